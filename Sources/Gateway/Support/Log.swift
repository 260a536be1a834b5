import ColdChain
import FoundationEssentials
import Glibc
import Synchronization

/// Log lines on stderr, one per event. Under systemd each line starts with a syslog priority (`<4>`), which
/// journald turns into the entry's priority; on a terminal the line starts with the time and level instead.
public struct Log: Sendable {
    public enum Level: Int32, Sendable, Comparable {
        case error = 3, warning = 4, notice = 5, info = 6, debug = 7
        public static func < (a: Level, b: Level) -> Bool { a.rawValue > b.rawValue }
        var name: String {
            switch self {
            case .error: "error"
            case .warning: "warning"
            case .notice: "notice"
            case .info: "info"
            case .debug: "debug"
            }
        }
    }

    public var minimum: Level
    let sink: @Sendable (String) -> Void
    let journald: Bool

    /// Logs to stderr; `journald` defaults to true when stderr is not a terminal.
    public init(minimum: Level = .info, journald: Bool? = nil) {
        self.minimum = minimum
        self.journald = journald ?? (isatty(2) == 0)
        self.sink = { line in
            var l = line
            // One write(2) per line so lines from several threads never interleave.
            l.withUTF8 { _ = Glibc.write(2, $0.baseAddress, $0.count) }
        }
    }

    /// Logs into `collect` instead of stderr; for tests.
    public init(collect: @escaping @Sendable (String) -> Void) {
        minimum = .debug
        journald = true
        sink = collect
    }

    public func log(_ level: Level, _ message: String) {
        guard level >= minimum else { return }
        // One line per entry, and nothing a terminal or journal viewer would obey: a platform's error text or a
        // scanned code may carry escape sequences.
        let flat = message.escapedForTerminal
        if journald { sink("<\(level.rawValue)>\(flat)\n") }
        else { sink("\(RFC3339.format(Date())) \(level.name): \(flat)\n") }
    }

    public func error(_ m: String) { log(.error, m) }
    public func warning(_ m: String) { log(.warning, m) }
    public func notice(_ m: String) { log(.notice, m) }
    public func info(_ m: String) { log(.info, m) }
    public func debug(_ m: String) { log(.debug, m) }
}
