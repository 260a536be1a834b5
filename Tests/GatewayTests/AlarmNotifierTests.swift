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
}
