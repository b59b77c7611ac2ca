import PrestartDatabase

/// `text` for people at a terminal (no colour needed to read it), `json` lines for log collectors.
public enum LogFormat: String, Sendable, CaseIterable {
    case text, json
}
