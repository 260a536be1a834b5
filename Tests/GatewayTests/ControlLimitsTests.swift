import ColdChain
import Control
import Fieldbus
import Foundation
@testable import Gateway
import Glibc
import POSIX
import Testing
import TestSupport

/// The control socket's bounds, each found broken by the adversarial run: memory per connection, idle slots,
/// one uid's share, and answers too large to send.
@Suite(.serialized) struct ControlLimitsTests {
    /// A client that writes `status` requests as fast as it can and never reads. Before the bound the daemon read
    /// them all (3.9 GB in 20 s); now it stops reading that connection, so the client's own writes stop.
    @Test func aClientThatNeverReadsIsHeldBackNotBuffered() async throws {
        let s = try RunningServer()
        let fd = try rawConnect(s.path)
        try fd.setNonBlocking(true)
        let line = Array(ControlRequest(cmd: "echo", args: ["pad": .string(String(repeating: "p", count: 100))]).line.utf8)
        let chunk = Array([[UInt8]](repeating: line, count: 500).joined())
        let accepted = try await offPool { () -> Int in
            var total = 0
            while total < 64 << 20 {
                let n = chunk.withUnsafeBytes { send(fd.rawValue, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                if n > 0 { total += n; continue }
                guard errno == EAGAIN else { throw Errno("send") }
                // The server stopped reading: wait for room, and stop when none comes.
                var p = pollfd(fd: fd.rawValue, events: Int16(POLLOUT), revents: 0)
                if poll(&p, 1, 2000) == 0 { break }
            }
            return total
        }
        // Kernel buffers on both sides plus the server's bounded queue: a few MB at most, never the 64 MB offered.
        #expect(accepted < 16 << 20, "the server kept reading: \(accepted) bytes accepted")
        // Others are served meanwhile.
        #expect(try await call(s.path, ControlRequest(cmd: "echo", args: ["x": 1])) == .ok(["x": 1]))
        // Nothing is lost: every complete request sent gets its reply once the client reads.
        let requests = accepted / line.count
        try fd.setNonBlocking(false)
        shutdown(fd.rawValue, Int32(SHUT_WR))
        let replies = try await offPool { try readLines(fd, count: requests + 1) }
        // (A cut-off last line has no newline: it is not a request, and the end of the stream does not make it one.)
        #expect(replies.count == requests)
        await s.stop()
    }

    @Test func idleConnectionsAreClosedAndFreeTheirSlots() async throws {
        var limits = ControlLimits()
        limits.idleTimeout = 0.5
        limits.maxClients = 8
        let s = try RunningServer(limits: limits)
        let idle = try (0..<8).map { _ in try rawConnect(s.path) }
        // Full of idle connections, a real client still gets in: the one idle longest makes room.
        #expect(try await call(s.path, ControlRequest(cmd: "echo", args: ["in": true])) == .ok(["in": true]))
        // And the idle ones are closed after the limit (the read sees the end of the stream).
        let ends = try await offPool { try idle.map { try readLines($0, count: 1).count } }
        #expect(ends == Array(repeating: 0, count: 8))
        #expect(s.log.contains("closing an idle connection") || s.log.contains("closing the one idle longest"))
        await s.stop()
    }

    @Test func oneUIDCannotTakeEverySlot() async throws {
        var limits = ControlLimits()
        limits.maxClientsPerUID = 4
        let s = try RunningServer(limits: limits)
        // Four connections that each keep a request in flight (not idle, so not evicted).
        let held = try (0..<4).map { _ in try rawConnect(s.path) }
        for fd in held { try fd.writeAll("{\"cmd\":\"slow\"}\n") }
        let fifth = try rawConnect(s.path)
        try fifth.writeAll("{\"cmd\":\"echo\"}\n")
        let answer = try await offPool { try readLines(fifth, count: 1) }
        let reply = answer.first.flatMap { ControlReply.parse(Array($0.utf8)) }
        guard case .failure(let f)? = reply else { Issue.record("\(answer)"); return }
        #expect(f.code == .unavailable && f.message.contains("from uid \(getuid())"), "\(f.message)")
        await s.stop()
    }

    @Test func anAnswerTooLargeToSendIsAClearErrorNotAReset() async throws {
        let s = try RunningServer()
        let reply = try await call(s.path, ControlRequest(cmd: "huger"))
        guard case .failure(let f) = reply else { Issue.record("sent whole"); return }
        #expect(f.code == .tooLarge)
        #expect(f.message.contains("3.0 MiB") && f.message.contains("more than the 2 MiB"), "\(f.message)")
        // The connection and the server carry on.
        #expect(try await call(s.path, ControlRequest(cmd: "huge")) != .failure(f))
        await s.stop()
    }
}

/// Stopping within a deadline, whatever a service is blocked in.
@Suite(.serialized) struct ShutdownDeadlineTests {
    /// A service that ignores cancellation (blocked in a C call that nothing interrupts).
    struct Stubborn: Service {
        let name = "stubborn"
        func run() async throws {
            try await offPool { sleep(3600) }
        }
    }

    @Test func aServiceThatWillNotStopIsLeftBehindAtTheDeadline() async throws {
        let log = LogCapture()
        let (signals, send) = AsyncStream<Int32>.makeStream()
        let group = ServiceGroup([Stubborn()], log: Log(collect: { log.append($0) }), shutdownDeadline: 0.3)
        async let ending = group.run(until: signals)
        send.yield(SIGTERM)
        #expect(await ending == .signal(SIGTERM))
        #expect(log.contains("service stubborn did not stop within 300ms; stopping without it"))
    }

    /// A bus with a 30 s timeout and a probe that never answers: SIGTERM stops the daemon through the poller's own
    /// interrupt, not the group's deadline, and `gateway.stopped` is recorded.
    @Test func aSilentProbeWithALongTimeoutDoesNotHoldTheStop() async throws {
        let server = try ModbusServer(tcpHost: "127.0.0.1", port: 0) { _, _ in .silence }
        try server.start()
        defer { server.stop() }
        let dir = TempDir("cc-stop")
        let config = pollerConfig(port: server.port).replacingOccurrences(of: #"timeout: "200ms""#, with: #"timeout: "30s""#)
        let d = try InProcessDaemon(dir: dir, configText: config)
        try await d.waitReady()
        try await Task.sleep(nanoseconds: 500_000_000)   // the poller is now waiting on its first answer
        #expect(await d.stop() == 0)
        #expect(try d.events().last?.type == "gateway.stopped")
        // The poller itself: other services may meet the group's 4 s deadline on a starved machine (a full parallel
        // run did, twice, for the control service), which is a timing, not what this test is about.
        #expect(d.log.contains("stopped bus lan") && !d.log.contains("service bus lan did not stop"),
                "the poller stopped by itself: \(d.log.all.filter { $0.contains("stop") })")
    }
}
