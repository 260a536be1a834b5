import ColdChain
import Foundation
@testable import Gateway
import Glibc
import Testing
import TestSupport

@Suite(.serialized) struct AlarmNotifierTests {
    func script(_ dir: TempDir, _ name: String, _ body: String) -> String {
        let path = dir.write(name, "#!/bin/sh\n" + body + "\n")
        chmod(path, 0o755)
        return path
    }

    @Test func runsWithTheEventOnStdinAtOpenAndClose() async throws {
        let f = try HubFixture()
        let out = f.dir.file("received.jsonl")
        let cmd = script(f.dir, "notify", "cat >> \(out)")
        let log = LogCapture()
        let notifier = AlarmNotifier(command: cmd, hub: f.hub, config: f.config, clock: SystemClock(),
                                     log: Log(collect: { log.append($0) }), timeLimit: 5)
        let task = Task { try await notifier.run() }
        try await Task.sleep(nanoseconds: 100_000_000)
        f.feed(11, minutes: 6, from: 0)
        f.feed(5, minutes: 1, from: 6)
        #expect(try await waitUntil(10) { ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").split(separator: "\n").count == 2 })
        task.cancel()
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        let first = try JSONValue.parse(Data(lines[0].utf8))
        #expect(first["event"]?["type"] == "alarm.opened")
        #expect(first["event"]?["body"]?["fridge"] == "F1")
        #expect(first["gateway"]?["id"] == "gw-test-01")
        #expect(try JSONValue.parse(Data(lines[1].utf8))["event"]?["type"] == "alarm.closed")
    }

    @Test func aHangingOrFailingCommandIsKilledAndLoggedWithoutBlockingRecording() async throws {
        let f = try HubFixture()
        let log = LogCapture()
        let hanging = AlarmNotifier(command: script(f.dir, "hang", "sleep 60"), hub: f.hub, config: f.config, clock: SystemClock(),
                                    log: Log(collect: { log.append($0) }), timeLimit: 0.5)
        let task = Task { try await hanging.run() }
        try await Task.sleep(nanoseconds: 100_000_000)
        f.feed(11, minutes: 6, from: 0)
        #expect(try await waitUntil(10) { log.contains("took longer than 500ms for alarm.opened; killed") })
        task.cancel()

        let failing = AlarmNotifier(command: script(f.dir, "fail", "exit 3"), hub: f.hub, config: f.config, clock: SystemClock(),
                                    log: Log(collect: { log.append($0) }), timeLimit: 5)
        failing.submit(["event": ["type": "alarm.opened"]])
        #expect(try await waitUntil(10) { log.contains("exited with status 3") })
        let missing = AlarmNotifier(command: f.dir.file("nonexistent"), hub: f.hub, config: f.config, clock: SystemClock(),
                                    log: Log(collect: { log.append($0) }), timeLimit: 5)
        missing.submit(["event": ["type": "alarm.opened"]])
        #expect(try await waitUntil(10) { log.contains("could not start") })
    }

    /// The command inherits no descriptor but 0, 1 and 2 (the ledger, a platform connection and the control socket
    /// are open in the daemon), a minimal environment, and default signal dispositions.
    @Test func theCommandGetsNoDescriptorsAndAMinimalEnvironment() async throws {
        let f = try HubFixture()
        let out = f.dir.file("inside")
        let cmd = script(f.dir, "notify", "cat > /dev/null; ls /proc/self/fd > \(out).fds; env > \(out).env; grep -E '^Sig(Ign|Blk)' /proc/self/status > \(out).sig")
        setenv("COLDCHAIN_SECRET_PROBE", "must-not-leak", 1)
        defer { unsetenv("COLDCHAIN_SECRET_PROBE") }
        // A descriptor the daemon holds without O_CLOEXEC, as a library's socket may be.
        let leaky = open("/dev/null", O_RDONLY)
        defer { close(leaky) }
        // Generous bounds: a guard against a hang, not a measure (a full run on 2 cores once took the 5 s limit here).
        let log = LogCapture()
        let notifier = AlarmNotifier(command: cmd, hub: f.hub, config: f.config, clock: SystemClock(), log: Log(collect: { log.append($0) }), timeLimit: 30)
        notifier.submit(["event": ["type": "alarm.opened"]])
        #expect(try await waitUntil(60) { FileManager.default.fileExists(atPath: out + ".sig") && ((try? String(contentsOfFile: out + ".sig", encoding: .utf8)) ?? "").contains("SigIgn") },
                "\(log.all)")
        let fds = try String(contentsOfFile: out + ".fds", encoding: .utf8).split(separator: "\n").compactMap { Int($0) }.sorted()
        // ls itself opens one descriptor to read /proc/self/fd: 0, 1, 2 and that one.
        #expect(fds.count == 4 && fds.prefix(3) == [0, 1, 2], "\(fds)")
        let env = try String(contentsOfFile: out + ".env", encoding: .utf8)
        #expect(!env.contains("COLDCHAIN_SECRET_PROBE") && env.contains("COLDCHAIN_GATEWAY=gw-test-01") && env.contains("PATH=/usr/local/bin:/usr/bin:/bin"), "\(env)")
        let sig = try String(contentsOfFile: out + ".sig", encoding: .utf8)
        let ignored = sig.split(separator: "\n").first { $0.hasPrefix("SigIgn:") }.flatMap { UInt64($0.dropFirst(7).trimmingCharacters(in: .whitespaces), radix: 16) }
        let daemonIgnores: UInt64 = [SIGPIPE, SIGTERM, SIGINT, SIGHUP].reduce(0) { $0 | 1 << UInt64($1 - 1) }
        #expect(ignored.map { $0 & daemonIgnores == 0 } == true, "SIGPIPE, SIGTERM, SIGINT, SIGHUP at their defaults in the child: \(sig)")
    }
}
