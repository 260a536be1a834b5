import ColdChain
import Control
import Foundation
@testable import Gateway
import Glibc
import POSIX
import Synchronization
import Testing
import TestSupport

/// A handler that echoes, or answers slowly / hugely on request, and records who asked.
final class EchoHandler: ControlHandling {
    let peers = Mutex<[PeerInfo]>([])
    func handle(_ request: ControlRequest, peer: PeerInfo, connection: ControlConnection) async -> ControlReply {
        peers.withLock { $0.append(peer) }
        switch request.cmd {
        case "echo": return .ok(.object(request.args))
        case "slow":
            try? await Task.sleep(nanoseconds: 300_000_000)
            return .ok("slow done")
        case "huge": return .ok(.string(String(repeating: "x", count: 1 << 20)))
        case "huger": return .ok(.string(String(repeating: "x", count: 3 << 20)))
        default: return .failure(ControlFailure(.unknownCommand, "unknown command '\(request.cmd)'"))
        }
    }
}

/// A running server on a temporary socket, stopped by `stop()`.
final class RunningServer: @unchecked Sendable {
    let dir = TempDir("cc-ctl")
    let path: String
    let handler = EchoHandler()
    let log = LogCapture()
    var task: Task<Void, Error>!

    init(limits: ControlLimits = ControlLimits()) throws {
        path = dir.file("control.sock")
        let logger = Log(collect: { [log] in log.append($0) })
        let fd = try ControlSocket.bind(path: path, group: nil, log: logger)
        let server = try ControlServer(listener: fd, path: path, handler: handler, log: logger, limits: limits)
        task = Task { try await server.run() }
    }

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}

/// One request on a fresh connection, off the cooperative pool.
func call(_ path: String, _ request: ControlRequest) async throws -> ControlReply {
    try await offPool { try ControlClient(path: path).call(request) }
}

/// A raw connection for sending arbitrary bytes. Its read gives up after a minute: a guard against a hang, not a
/// measure (a full parallel run on 2 cores once took more than 10 s to answer).
func rawConnect(_ path: String) throws -> FileDescriptor {
    let fd = try UnixSocket.connect(path: path)
    var tv = timeval(tv_sec: 60, tv_usec: 0)
    setsockopt(fd.rawValue, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    return fd
}

/// Reads lines until `count` have arrived or the peer closes.
func readLines(_ fd: FileDescriptor, count: Int) throws -> [String] {
    var buffer = LineBuffer(limit: 8 << 20)
    var lines: [String] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while lines.count < count {
        let n = try chunk.withUnsafeMutableBytes { try fd.read(into: $0) }
        if n == 0 { break }
        for case .line(let l) in buffer.append(Array(chunk[0..<n])) { lines.append(String(decoding: l, as: UTF8.self)) }
    }
    return lines
}

/// Reads `count` replies: a result in parts (`ControlParts`) counts as one, its parts skipped; when it ends in a
/// failure, that failure is the reply.
func readReplies(_ fd: FileDescriptor, count: Int) throws -> [String] {
    var buffer = LineBuffer(limit: 8 << 20)
    var replies: [String] = []
    var inParts = false
    var chunk = [UInt8](repeating: 0, count: 65536)
    while replies.count < count || inParts {
        let n = try chunk.withUnsafeMutableBytes { try fd.read(into: $0) }
        if n == 0 { break }
        for case .line(let l) in buffer.append(Array(chunk[0..<n])) {
            if inParts {
                switch ControlParts.parse(l, as: JSONValue.self) {
                case .part?: continue
                case .failed(let f)?: replies[replies.count - 1] = ControlReply.failure(f).line; inParts = false
                default: inParts = false
                }
                continue
            }
            replies.append(String(decoding: l, as: UTF8.self))
            inParts = (try? JSONValue.parse(Data(l)))?["parts"] == true
        }
    }
    return replies
}

@Suite(.serialized) struct ControlServerTests {
    @Test func answersAndRecordsThePeer() async throws {
        let s = try RunningServer()
        let reply = try await call(s.path, ControlRequest(cmd: "echo", args: ["x": 1]))
        #expect(reply == .ok(["x": 1]))
        #expect(s.handler.peers.withLock { $0.first?.uid } == getuid())
        #expect(s.handler.peers.withLock { $0.first?.pid } == getpid())
        var st = stat()
        stat(s.path, &st)
        #expect(st.st_mode & 0o777 == 0o660)
        await s.stop()
        #expect(access(s.path, F_OK) != 0, "the socket file is removed on stop")
    }

    @Test func badLinesGetErrorsAndTheConnectionSurvives() async throws {
        let s = try RunningServer()
        let fd = try rawConnect(s.path)
        let long = String(repeating: "a", count: ControlProtocol.maxLine + 10)
        try fd.writeAll("not json\n[1,2]\n{\"args\":{}}\n{\"cmd\":\"nope\"}\n\(long)\n{\"cmd\":\"echo\",\"args\":{\"after\":true}}\n\u{0}\u{1}\u{ff}\n")
        let lines = try await offPool { try readLines(fd, count: 7) }
        #expect(lines.count == 7)
        let codes = lines.map { ControlReply.parse(Array($0.utf8)) }
        #expect(codes[0] == .failure(ControlFailure(.badRequest, "not a JSON object: send one JSON object per line, e.g. {\"cmd\":\"status\"}")))
        if case .failure(let f) = codes[1] { #expect(f.code == .badRequest) } else { Issue.record("\(lines[1])") }
        if case .failure(let f) = codes[2] { #expect(f.message.contains("missing \"cmd\"")) } else { Issue.record("\(lines[2])") }
        if case .failure(let f) = codes[3] { #expect(f.code == .unknownCommand) } else { Issue.record("\(lines[3])") }
        if case .failure(let f) = codes[4] { #expect(f.code == .tooLong) } else { Issue.record("\(lines[4])") }
        #expect(codes[5] == .ok(["after": true]))
        if case .failure(let f) = codes[6] { #expect(f.code == .badRequest) } else { Issue.record("\(lines[6])") }
        await s.stop()
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        let s = try RunningServer()
        let fd = try rawConnect(s.path)
        var text = "{\"cmd\":\"slow\"}\n"
        for i in 0..<20 { text += ControlRequest(cmd: "echo", args: ["i": .number(Double(i))]).line }
        try fd.writeAll(text)
        let lines = try await offPool { try readLines(fd, count: 21) }
        #expect(lines.first?.contains("slow done") == true)
        #expect(lines.dropFirst().map { ControlReply.parse(Array($0.utf8)) } == (0..<20).map { .ok(["i": .number(Double($0))]) })
        await s.stop()
    }

    @Test func halfClosedClientGetsItsAnswerThenEOF() async throws {
        let s = try RunningServer()
        let fd = try rawConnect(s.path)
        try fd.writeAll("{\"cmd\":\"slow\"}\n")
        shutdown(fd.rawValue, Int32(SHUT_WR))
        let lines = try await offPool { try readLines(fd, count: 2) }
        #expect(lines.count == 1 && lines[0].contains("slow done"))
        await s.stop()
    }

    @Test func aStuckClientNeverBlocksTheOthers() async throws {
        var limits = ControlLimits()
        limits.stuckTimeout = 0.5
        let s = try RunningServer(limits: limits)
        let stuck = try rawConnect(s.path)
        // Ask for 8 MiB of replies and never read them.
        try stuck.writeAll(String(repeating: "{\"cmd\":\"huge\"}\n", count: 8))
        for i in 0..<5 {
            #expect(try await call(s.path, ControlRequest(cmd: "echo", args: ["i": .number(Double(i))])) == .ok(["i": .number(Double(i))]))
        }
        // The stuck client is dropped once it has read nothing for the limit.
        var dropped = false
        for _ in 0..<200 where !dropped {
            try await Task.sleep(nanoseconds: 50_000_000)
            dropped = s.log.contains("it has read nothing of what waits for it")
        }
        #expect(dropped, "\(s.log.all)")
        await s.stop()
    }

    @Test func staleSocketIsReplacedButALiveOneIsNot() async throws {
        let dir = TempDir("cc-stale")
        let path = dir.file("control.sock")
        let log = LogCapture()
        let logger = Log(collect: { log.append($0) })
        // A socket file nobody listens on, as a crash leaves behind.
        let crashed = try ControlSocket.bind(path: path, group: nil, log: logger)
        crashed.close()
        let fresh = try ControlSocket.bind(path: path, group: nil, log: logger)
        #expect(log.contains("removing stale control socket"))
        let error = #expect(throws: ControlSocketError.self) { try ControlSocket.bind(path: path, group: nil, log: logger) }
        #expect(error.map { "\($0)" }?.contains("another coldchaind is already running") == true)
        fresh.close()
        dir.write("plain-file", "x")
        #expect(throws: ControlSocketError.self) { try ControlSocket.bind(path: dir.file("plain-file"), group: nil, log: logger) }
    }

    /// Random bytes as requests: every line gets exactly one reply and the server keeps serving.
    @Test func fuzzedRequestsAlwaysGetAReply() async throws {
        let s = try RunningServer()
        var rng = Seeded.forTest()
        let pieces = ["{", "}", "\"cmd\"", ":", "\"echo\"", ",", "\"args\"", "[", "]", "null", "1", "\\", "\"", " ", "\u{0}", "\u{1d}", "é", "\r"]
        for _ in 0..<20 {
            let fd = try rawConnect(s.path)
            var lines: [String] = []
            for _ in 0..<50 {
                var l = ""
                for _ in 0..<Int.random(in: 1...12, using: &rng) { l += pieces.randomElement(using: &rng)! }
                if l.allSatisfy({ $0 == " " || $0 == "\r" }) { l += "x" }
                lines.append(l)
            }
            let text = lines.joined(separator: "\n") + "\n"
            let count = lines.count
            let replies = try await offPool { try fd.writeAll(text); return try readLines(fd, count: count) }
            #expect(replies.count == lines.count)
            #expect(replies.allSatisfy { ControlReply.parse(Array($0.utf8)) != nil })
        }
        #expect(try await call(s.path, ControlRequest(cmd: "echo")) == .ok([:]))
        await s.stop()
    }
}
