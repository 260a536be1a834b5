import ColdChain
import Control
import Foundation
@testable import Gateway
import Glibc
import POSIX
import Storage
import Testing
import TestSupport

/// A daemon running in this process on a temporary config, stopped by sending it a "signal".
final class InProcessDaemon: @unchecked Sendable {
    let dir: TempDir
    let config: GatewayConfig
    let log = LogCapture()
    let signals: AsyncStream<Int32>
    let sendSignal: AsyncStream<Int32>.Continuation
    var task: Task<Int32, Never>!

    init(dir: TempDir = TempDir("cc-daemon"), notifier: SystemdNotifier = SystemdNotifier(environment: [:]),
         heartbeat: String = "30s", configText: String? = nil, pollBackOff: Double = 30, clock: any WallClock = SystemClock()) throws {
        self.dir = dir
        dir.write("devices/generic-int16-x10.json5", genericProfile)
        let text = configText ?? validConfig.replacingOccurrences(of: #"storage: { path: "ledger.sqlite" },"#,
                                                                  with: #"storage: { path: "ledger.sqlite", heartbeat: "\#(heartbeat)" },"#)
        let path = dir.write("coldchaind.json5", text)
        config = try ConfigLoader.load(path: path).get().0
        (signals, sendSignal) = AsyncStream<Int32>.makeStream()
        var daemon = GatewayDaemon(config: config, log: Log(collect: { [log] in log.append($0) }), clock: clock, notifier: notifier)
        daemon.pollBackOff = pollBackOff
        let signals = self.signals
        task = Task { await daemon.run(signals: signals) }
    }

    /// Waits until the control socket answers.
    func waitReady() async throws {
        for _ in 0..<200 {
            if (try? await call(config.control.socket, ControlRequest(cmd: "help"))) != nil { return }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        throw Errno("daemon did not come up: \(log.all)", code: ETIMEDOUT)
    }

    func stop(_ signal: Int32 = SIGTERM) async -> Int32 {
        sendSignal.yield(signal)
        return await task.value
    }

    func events() throws -> [LedgerEvent] {
        try LedgerReader(path: config.storage.path).events(after: 0, limit: 10000)
    }
}

/// The system clock moved by a fixed offset: a run in the past.
struct OffsetClock: WallClock {
    let offset: Double
    func now() -> Date { Date().addingTimeInterval(offset) }
}

@Suite(.serialized) struct DaemonTests {
    @Test func startsAnswersAndStopsCleanly() async throws {
        let d = try InProcessDaemon()
        try await d.waitReady()
        let sock = d.config.control.socket
        guard case .ok(let status) = try await call(sock, ControlRequest(cmd: "status")) else { Issue.record("status failed"); return }
        #expect(status["gateway"]?["id"] == "gw-test-01")
        #expect(status["ledger"]?["head_seq"] == 2)
        #expect(status["fridges"]?.arrayValue?.map { $0["id"] } == ["F1"])
        #expect(status["platform"]?["configured"] == false)
        guard case .ok(let verify) = try await call(sock, ControlRequest(cmd: "verify")) else { Issue.record("verify failed"); return }
        #expect(verify["ok"] == true)
        #expect(await d.stop() == 0)
        let types = try d.events().map(\.type)
        #expect(types == ["gateway.started", "config.loaded", "gateway.stopped"])
        #expect(try d.events().last?.bodyValue["reason"] == "SIGTERM")
        #expect(d.log.contains("<5>ready: gateway gw-test-01"))
        #expect(access(d.config.control.socket, F_OK) != 0)
    }

    @Test func secondDaemonIsRefused() async throws {
        let first = try InProcessDaemon()
        try await first.waitReady()
        let second = try InProcessDaemon(dir: first.dir)
        #expect(await second.task.value == 1)
        #expect(second.log.contains("another coldchaind is already running"))
        // The first is untouched and still answers.
        let reply = try await call(first.config.control.socket, ControlRequest(cmd: "status"))
        guard case .ok(let status) = reply else { Issue.record("\(reply)"); return }
        #expect(status["pid"] == .number(Double(getpid())))
        #expect(await first.stop() == 0)
        #expect(try first.events().map(\.type) == ["gateway.started", "config.loaded", "gateway.stopped"])
    }

    @Test func restartAfterACrashRecordsTheGap() async throws {
        let dir = TempDir("cc-gap")
        // The first run an hour and more ago: the ledger's times follow its order, so the crash's leftovers must be
        // later than what that run recorded.
        let first = try InProcessDaemon(dir: dir, clock: OffsetClock(offset: -3700))
        try await first.waitReady()
        #expect(await first.stop() == 0)
        // What a crash leaves: an event after the last clean stop, a heartbeat long ago, no gateway.stopped.
        let ledger = try Ledger(path: first.config.storage.path)
        try await ledger.append(NewEvent(.reading, at: Date().addingTimeInterval(-3600), body: ["sensor": "F1-air", "c": 5.0]))
        try await ledger.writeHeartbeat(at: Date().addingTimeInterval(-3590))
        ledger.close()

        let second = try InProcessDaemon(dir: dir)
        try await second.waitReady()
        #expect(await second.stop() == 0)
        let events = try second.events()
        let gap = try #require(events.first { $0.type == "gateway.gap" })
        #expect(gap.bodyValue["previous_end"] == "crash")
        #expect(gap.bodyValue["last_seq"] == 4)
        let seconds = try #require(gap.bodyValue["seconds"]?.doubleValue)
        #expect(seconds >= 3589 && seconds < 3700)
        #expect(second.log.contains("gap in the record"))
        #expect(try LedgerReader(path: second.config.storage.path).verify().ok)
    }

    @Test func cleanQuickRestartRecordsNoGap() async throws {
        let dir = TempDir("cc-nogap")
        let first = try InProcessDaemon(dir: dir)
        try await first.waitReady()
        #expect(await first.stop(SIGINT) == 0)
        let second = try InProcessDaemon(dir: dir)
        try await second.waitReady()
        #expect(await second.stop() == 0)
        #expect(try !second.events().contains { $0.type == "gateway.gap" })
        #expect(try second.events().filter { $0.type == "gateway.stopped" }.first?.bodyValue["reason"] == "SIGINT")
    }

    @Test func notifiesSystemd() async throws {
        let dir = TempDir("cc-notify")
        let path = dir.file("notify.sock")
        let fd = try UnixSocket.make(Int32(SOCK_DGRAM.rawValue))
        try UnixSocket.withAddress(path) { addr, len in _ = try systemCall("bind") { bind(fd.rawValue, addr, len) } }
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd.rawValue, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": path, "WATCHDOG_USEC": "200000"])
        #expect(notifier.watchdogInterval == 0.1)
        let d = try InProcessDaemon(dir: dir, notifier: notifier)
        try await d.waitReady()
        @Sendable func receive() -> String? {
            var buf = [UInt8](repeating: 0, count: 4096)
            let n = recv(fd.rawValue, &buf, buf.count, 0)
            return n > 0 ? String(decoding: buf[0..<n], as: UTF8.self) : nil
        }
        var messages = try await offPool {
            var m: [String] = []
            while m.filter({ $0 == "WATCHDOG=1" }).count < 2, let r = receive() { m.append(r) }
            return m
        }
        #expect(await d.stop() == 0)
        messages += try await offPool {
            var m: [String] = []
            while let r = receive(), !r.hasPrefix("STOPPING=1") { m.append(r) }
            return m
        }
        #expect(messages.first?.hasPrefix("READY=1\nSTATUS=gateway gw-test-01") == true, "\(messages)")
        #expect(messages.filter { $0 == "WATCHDOG=1" }.count >= 2)
    }

    @Test func notifierIsANoOpWithoutNotifySocket() {
        let n = SystemdNotifier(environment: [:])
        #expect(n.socketPath == nil && n.watchdogInterval == nil)
        #expect(n.notify("READY=1") == nil)
        let unreachable = SystemdNotifier(environment: ["NOTIFY_SOCKET": "/nonexistent/notify"])
        #expect(unreachable.notify("READY=1")?.code == ENOENT)
    }

    @Test func serviceGroupStopsInReverseOrder() async {
        struct Recorder: Service {
            let name: String
            let order: LogCapture
            func run() async throws {
                while !Task.isCancelled { try? await Task.sleep(nanoseconds: 5_000_000) }
                order.append(name)
            }
        }
        let order = LogCapture()
        let (signals, send) = AsyncStream<Int32>.makeStream()
        let group = ServiceGroup(["a", "b", "c"].map { Recorder(name: $0, order: order) }, log: Log(collect: { _ in }))
        let t = Task { await group.run(until: signals) }
        try? await Task.sleep(nanoseconds: 50_000_000)
        send.yield(SIGTERM)
        #expect(await t.value == .signal(SIGTERM))
        #expect(order.all == ["c", "b", "a"])
    }

    @Test func aFailingServiceStopsTheGroup() async {
        struct Failing: Service {
            let name = "failing"
            struct Boom: Error {}
            func run() async throws { throw Boom() }
        }
        let (signals, _) = AsyncStream<Int32>.makeStream()
        let ending = await ServiceGroup([Failing()], log: Log(collect: { _ in })).run(until: signals)
        guard case .serviceFailed(let name, _) = ending else { Issue.record("\(ending)"); return }
        #expect(name == "failing")
    }
}
