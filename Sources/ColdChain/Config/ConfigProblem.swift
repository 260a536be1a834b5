/// One thing wrong with a configuration or device-profile file, printed as `FILE: key.path: message`.
public struct ConfigProblem: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// The key path, e.g. `fridges[0].sensors[1].bus`; empty for the whole file.
    public var path: String
    public var message: String
    /// True for something worth telling that does not stop the daemon (e.g. a serial setting unlike the probe's default).
    public var isWarning: Bool

    public init(file: String, path: String, message: String, isWarning: Bool = false) {
        self.file = file; self.path = path; self.message = message; self.isWarning = isWarning
    }

    public var description: String {
        let prefix = isWarning ? "warning: " : ""
        // Keys and values come from the file: shown escaped, so a key holding ESC cannot drive the terminal.
        let text = path.isEmpty ? "\(file): \(prefix)\(message)" : "\(file): \(path): \(prefix)\(message)"
        return text.escapedForTerminal
    }
}

/// Every problem found in one pass over the configuration, so the technician fixes them all at once.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var problems: [ConfigProblem]
    public init(_ problems: [ConfigProblem]) { self.problems = problems }
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
