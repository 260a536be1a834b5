import ColdChain
import Dispatch
import FoundationEssentials
import Glibc
import POSIX
import Storage
import Synchronization

/// Runs `alarm_command` with the alarm event as JSON on stdin: when an alarm opens, when it closes, and every
/// `repeat` while it stays open (GSP's remote notice). Commands run one at a time on a queue of their own, each
/// under a time limit; a failure is logged, and nothing here ever delays polling.
final class AlarmNotifier: Service, Sendable {
    let name = "alarm-command"
    let command: String
    let hub: MonitorHub
    let config: GatewayConfig
    let clock: any WallClock
    let log: Log
    let timeLimit: Double
    private let queue = DispatchQueue(label: "coldchain.alarm-command")
    private let pending = Mutex(0)
    static let maxPending = 100

    init(command: String, hub: MonitorHub, config: GatewayConfig, clock: any WallClock, log: Log, timeLimit: Double = 30) {
        self.command = command; self.hub = hub; self.config = config; self.clock = clock; self.log = log; self.timeLimit = timeLimit
    }

    func run() async throws {
        let gateway: JSONValue = ["id": .string(config.gateway.id), "site": .string(config.gateway.site)]
        let listener = hub.addListener { [self] e, typed in
            guard typed.type.isAlarm else { return }
            submit(["gateway": gateway, "event": ["id": .string(e.id(gateway: config.gateway.id)), "seq": .number(Double(e.seq)),
                                                  "type": .string(e.type), "at": .string(e.recordedAt), "body": typed.body.json]])
        }
        defer { hub.removeListener(listener) }
        while await sleep(seconds: 10) {
            for a in hub.dueRepeats(at: clock.now()) {
                let reminder = AlarmReminder(alarm: a.id, fridge: a.fridge, sensor: a.sensor, cause: a.cause, openedAt: a.openedAt,
                                             acknowledged: a.acknowledged, excursion: a.excursion)
                submit(["gateway": gateway, "event": ["type": .string(AlarmReminder.type.rawValue), "at": .string(RFC3339.format(clock.now())),
                                                      "body": reminder.json]])
            }
        }
    }

    /// Queues one run; beyond `maxPending` runs waiting, the newest is dropped with a log line.
    func submit(_ payload: JSONValue) {
        let accepted = pending.withLock { n -> Bool in
            guard n < Self.maxPending else { return false }
            n += 1
            return true
        }
        guard accepted else {
            log.error("alarm_command: \(Self.maxPending) runs already waiting; dropping one for \(payload["event"]?["type"]?.stringValue ?? "?")")
            return
        }
        queue.async { [self] in
            defer { pending.withLock { $0 -= 1 } }
            runOnce(payload)
        }
    }

    var environment: [String: String] { ToolRun.environment(gateway: config.gateway.id) }

    private func runOnce(_ payload: JSONValue) {
        let kind = payload["event"]?["type"]?.stringValue ?? "?"
        let outcome = ToolRun.run(command, [], stdin: Array((payload.serialized + "\n").utf8), environment: environment, timeLimit: timeLimit)
        switch outcome {
        case .exited(0, _): log.info("alarm_command ran for \(kind)")
        case .couldNotStart(let why): log.error("alarm_command \(command) could not start for \(kind): \(why)")
        case .killed: log.error("alarm_command \(command) took longer than \(DurationText.describe(timeLimit)) for \(kind); killed")
        case .exited(let status, let out):
            log.warning("alarm_command \(command) exited with status \(status) for \(kind)" + (out.isEmpty ? "" : ": \(out.truncated(160).escapedForTerminal)"))
        }
    }
}
