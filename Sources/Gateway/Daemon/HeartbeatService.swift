import ColdChain
import Storage

/// Writes the heartbeat every interval and, under a systemd watchdog, pings it after each write that succeeded:
/// a ledger that has stopped writing stops the pings and systemd restarts the daemon. With the watchdog on, the
/// heartbeat is written at the watchdog's pace when that is faster.
struct HeartbeatService: Service {
    let name = "heartbeat"
    let ledger: Ledger
    let interval: Double
    let clock: any WallClock
    let notifier: SystemdNotifier
    let log: Log

    func run() async throws {
        let period = min(interval, notifier.watchdogInterval ?? interval)
        var failing = false
        while await sleep(seconds: period) {
            do {
                try await ledger.writeHeartbeat(at: clock.now())
                if failing { log.notice("heartbeat: the ledger accepts writes again"); failing = false }
                notifier.watchdog()
            } catch {
                if !failing { log.error("heartbeat: cannot write to the ledger: \(error)") }
                failing = true
            }
        }
    }
}
