public import Logging

/// A note `check` reports about one step: `info` says what `up` will do, `warning` what may surprise.
public struct Finding: Sendable, Equatable {
    public var step: String
    public var level: Logger.Level
    public var message: String

    public init(step: String, level: Logger.Level, message: String) {
        self.step = step
        self.level = level
        self.message = message
    }
}
