import PrestartDatabase
import PrestartSystem

extension Step {
    /// `kind = "alembic"`: `alembic upgrade head`, skipped natively when the database is at head.
    public struct Alembic: Sendable {
        /// The ini Alembic reads, absolute (`config`, relative to the step's workdir; default `alembic.ini`).
        public var config: String
        /// What runs when the database is not at head, or prestart is not sure.
        public var run: [String]
        /// false: always run `run` (an env.py with side effects that must happen on every start).
        public var fastPath: Bool

        public static let defaultRun = ["alembic", "upgrade", "head"]

        public init(config: String, run: [String] = defaultRun, fastPath: Bool = true) {
            self.config = config
            self.run = run
            self.fastPath = fastPath
        }
    }
}
