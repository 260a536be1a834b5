import Foundation
import Glibc

/// Tests/Interop/platform_receiver.py on 127.0.0.1: a stand-in for the platform with a plan of faults, plain or
/// TLS (`environment`: RECEIVER_TLS_CERT, RECEIVER_TLS_KEY, RECEIVER_CLIENT_CA). Killed when released.
public final class Receiver: @unchecked Sendable {
    public let process: Subprocess
    public let port: Int
    public let store: String
    /// Kept: the receiver writes its store there for as long as it runs.
    public let dir: TempDir

    public init(dir: TempDir, plan: [String], environment: [String: String] = [:]) throws {
        self.dir = dir
        store = dir.file("received.jsonl")
        // Port 0: the kernel picks a free port and the receiver says which. A random port in 20000-40000 overlaps
        // the ephemeral range (32768 up), and once it was a test's own connection's port: the receiver could not
        // bind, and the test waited out its minute and failed (CI, aRefusedBatchStopsUntilRetry).
        process = try Subprocess(absolute: "/usr/bin/env", ["python3", packageRoot() + "/Tests/Interop/platform_receiver.py",
                                                            "0", store, "secret-token", plan.joined(separator: ",")],
                                 environment: environment, outputDir: dir.path)
        // Up to a minute: on a loaded machine Python can take seconds to start, and a daemon that finds no receiver
        // backs off (1, 2, 4, 8 s), past what a test then waits for.
        let deadline = Date().addingTimeInterval(60)
        var port: Int?
        while Date() < deadline && port == nil {
            port = process.stdout.split(separator: "\n").first { $0.hasPrefix("ready ") }.flatMap { Int($0.dropFirst(6)) }
            if port == nil { usleep(50_000) }
        }
        self.port = port ?? 0
    }

    /// The stored events as JSON lines.
    public var receivedLines: [String] {
        ((try? String(contentsOfFile: store, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    /// Every request the receiver saw, as JSON lines {"method", "path", "auth", "length"}.
    public var requestLines: [String] {
        ((try? String(contentsOfFile: store + ".requests", encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    deinit { process.signal(SIGKILL) }
}
