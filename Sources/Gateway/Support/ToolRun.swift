import ColdChain
import Dispatch
import FoundationEssentials
import Glibc
import POSIX

/// Runs a program to its end under a time limit (alarm_command, an SMS tool): its exit status and the start of
/// what it printed, or why it did not run. Blocks the calling thread; never the cooperative pool.
enum ToolRun {
    enum Outcome: Equatable {
        case exited(Int32, output: String)
        case couldNotStart(String)
        case killed(after: Double)

        var ok: Bool { if case .exited(0, _) = self { true } else { false } }
        var failure: String? {
            switch self {
            case .exited(0, _): nil
            case .exited(let s, let out): "exit status \(s)" + (out.isEmpty ? "" : ": " + out.truncated(160).escapedForTerminal)
            case .couldNotStart(let why): "could not start: \(why)"
            case .killed(let t): "took longer than \(DurationText.describe(t)); killed"
            }
        }
    }

    /// What a tool may print that is kept (its answer, an SMS path, an error line).
    static let maxOutput = 4096

    static func run(_ path: String, _ arguments: [String], stdin: [UInt8]? = nil, environment: [String: String], timeLimit: Double) -> Outcome {
        let outFile = "/tmp/coldchaind-tool-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).out"
        defer { unlink(outFile) }
        let child: ChildProcess
        do {
            child = try ChildProcess(path: path, arguments: arguments, stdin: stdin, stdout: outFile, stderr: outFile, environment: environment)
        } catch {
            return .couldNotStart("\(error)")
        }
        let deadline = DispatchTime.now() + timeLimit
        while DispatchTime.now() < deadline {
            if let status = child.poll() {
                let bytes = FileManager.default.contents(atPath: outFile).map { [UInt8]($0.prefix(maxOutput)) } ?? []
                return .exited(status, output: String(decoding: bytes, as: UTF8.self).trimmingWhitespace)
            }
            usleep(20_000)
        }
        child.signal(SIGKILL)
        child.wait()
        return .killed(after: timeLimit)
    }

    /// A tool's whole environment: a search path, the locale and time zone it should print in, and which gateway it
    /// speaks for. Not the daemon's own (NOTIFY_SOCKET, CREDENTIALS_DIRECTORY with the platform token...).
    static func environment(gateway: String, path: String = "/usr/local/bin:/usr/bin:/bin") -> [String: String] {
        var env = ["PATH": path, "LANG": "C.UTF-8", "COLDCHAIN_GATEWAY": gateway]
        for key in ["TZ", "LANG", "LC_ALL"] { if let v = ProcessInfo.processInfo.environment[key], !v.isEmpty { env[key] = v } }
        return env
    }

    /// `name` found in the `PATH`-style `searchPath` (posix_spawn takes a path, not a name).
    static func find(_ name: String, in searchPath: String) -> String? {
        if name.hasPrefix("/") { return access(name, X_OK) == 0 ? name : nil }
        for dir in searchPath.split(separator: ":") where !dir.isEmpty {
            let p = "\(dir)/\(name)"
            if access(p, X_OK) == 0 { return p }
        }
        return nil
    }
}
