
public enum PrestartVersion {
    public static let current = "0.1.0"
}
