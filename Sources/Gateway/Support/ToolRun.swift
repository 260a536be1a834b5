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

    /// What a tool may print that is kept (its answer, an SMS path, an error line); the rest is read and discarded.
    static let maxOutput = 4096

    /// Runs `path` under `timeLimit`. Its stdout and stderr come through a pipe: the first `maxOutput` bytes are
    /// kept, the rest read and dropped, nothing written to disk. (Before, output went to a world-readable
    /// `/tmp/coldchaind-tool-*.out` and was read whole: 100 MB of tool output took the daemon from 30 to 128 MB.)
    /// The tool leads a process group of its own, and at the time limit the whole group is killed: a tool script
    /// whose child hung left one orphan per attempt, outliving the daemon.
    static func run(_ path: String, _ arguments: [String], stdin: [UInt8]? = nil, environment: [String: String], timeLimit: Double) -> Outcome {
        let child: ChildProcess
        do {
            child = try ChildProcess(path: path, arguments: arguments, stdin: stdin, environment: environment, captureOutput: true, ownGroup: true)
        } catch {
            return .couldNotStart("\(error)")
        }
        var kept: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16 << 10)
        var open = child.output != nil
        let deadline = monotonicSeconds() + timeLimit
        var status: Int32?
        while status == nil {
            let left = deadline - monotonicSeconds()
            if left <= 0 {
                child.signalGroup(SIGKILL)
                child.wait()
                return .killed(after: timeLimit)
            }
            if open, let out = child.output {
                var fds = [pollfd(fd: out.rawValue, events: Int16(POLLIN), revents: 0)]
                _ = try? pollDescriptors(&fds, timeoutMillis: Int32(min(left, 0.05) * 1000) + 1)
                open = drain(out, into: &kept, buffer: &buffer)
            } else {
                usleep(20_000)
            }
            status = child.poll()
        }
        // The tool has ended: what it wrote before that is in the pipe. A child it left running keeps the pipe open,
        // so this reads what is there and does not wait for the end.
        if open, let out = child.output { _ = drain(out, into: &kept, buffer: &buffer) }
        child.output?.close()
        return .exited(status!, output: String(decoding: kept, as: UTF8.self).trimmingWhitespace)
    }

    /// Reads what the pipe holds now; keeps up to `maxOutput` bytes. False once the pipe has ended or failed.
    private static func drain(_ fd: FileDescriptor, into kept: inout [UInt8], buffer: inout [UInt8]) -> Bool {
        while true {
            let r = buffer.withUnsafeMutableBytes { try? fd.readAvailable(into: $0) }
            switch r {
            case .bytes(let n)?:
                if kept.count < maxOutput { kept += buffer.prefix(min(n, maxOutput - kept.count)) }
            case .wouldBlock?: return true
            case .endOfStream?, nil: return false
            }
        }
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
