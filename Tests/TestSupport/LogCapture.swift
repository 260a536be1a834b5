import Synchronization

/// Collects log lines in memory for assertions.
public final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])
    public init() {}
    public func append(_ line: String) { lines.withLock { $0.append(line) } }
    public var all: [String] { lines.withLock { $0 } }
    public func contains(_ fragment: String) -> Bool { all.contains { $0.contains(fragment) } }
}
