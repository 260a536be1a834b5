import ColdChain
import Dispatch
import Fieldbus
import FoundationEssentials
import Glibc
import POSIX
import Synchronization

/// Reads one barcode scanner on a thread of its own: frames codes (terminator or silence), hands each to the
/// scan hub, and reopens the configured path with back-off, forever, when the scanner is unplugged.
final class ScannerReader: Service, Sendable {
    let name: String
    let scanner: GatewayConfig.Scanner
    let hub: ScanHub
    let clock: any WallClock
    let log: Log
    private let stopped = Mutex(false)

    static let maxReopenDelay = 30.0

    init(scanner: GatewayConfig.Scanner, hub: ScanHub, clock: any WallClock, log: Log) {
        self.name = "scanner \(scanner.id)"
        self.scanner = scanner; self.hub = hub; self.clock = clock; self.log = log
    }

    func run() async throws {
        try await runOnThread(named: "scan-\(scanner.id)", stop: { [self] in stopped.withLock { $0 = true } }) { [self] in loop() }
    }

    private var isStopped: Bool { stopped.withLock { $0 } }

    private func loop() {
        var delay = 0.5
        var reportedMissing = false
        while !isStopped {
            let port: SerialPort
            do {
                port = try SerialPort(path: scanner.device, baud: scanner.baud)
            } catch {
                if !reportedMissing { log.warning("scanner \(scanner.id): cannot open \(scanner.device): \(error); retrying with back-off") }
                hub.link(scanner.id, up: false, at: clock.now(), error: "cannot open \(scanner.device): \(error)")
                reportedMissing = true
                let until = monotonicSeconds() + delay
                while !isStopped && monotonicSeconds() < until { usleep(100_000) }
                delay = min(delay * 2, Self.maxReopenDelay)
                continue
            }
            log.notice("scanner \(scanner.id): reading \(scanner.device) at \(scanner.baud) baud")
            hub.link(scanner.id, up: true, at: clock.now())
            reportedMissing = false
            delay = 0.5
            read(port)
            port.close()
            if !isStopped {
                log.warning("scanner \(scanner.id): \(scanner.device) went away; reopening")
                hub.link(scanner.id, up: false, at: clock.now(), error: "\(scanner.device) went away")
            }
        }
    }

    /// Reads until the device goes away or the service stops.
    private func read(_ port: SerialPort) {
        var framer = ScanFramer(silence: scanner.silence)
        while !isStopped {
            let now = monotonicSeconds()
            let wait = framer.silenceDeadline.map { max(0.001, $0 - now) } ?? 0.25
            let outputs: [ScanFramer.Output]
            switch port.read(timeout: min(wait, 0.25)) {
            case .bytes(let b): outputs = framer.feed(b, at: monotonicSeconds())
            case .timeout:
                outputs = framer.flushIfSilent(at: monotonicSeconds())
                hub.tickNoise(scanner: scanner.id, at: clock.now())
            case .closed: return
            }
            for o in outputs {
                switch o {
                // Not waiting: the next code is read while this one's verdict waits for its commit.
                case .code(let bytes):
                    log.info("scanner \(scanner.id): \(bytes.count) bytes read as one code")
                    hub.submit(scanner: scanner.id, bytes: bytes, at: clock.now())
                case .tooLong(let n): log.warning("scanner \(scanner.id): discarded \(n) bytes without a terminator (longer than 512): line noise or a wrong baud rate?")
                }
            }
        }
    }
}
