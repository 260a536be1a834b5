/// A long-running part of the daemon (control server, heartbeat, a bus poller, the uplink).
///
/// `run()` returns or throws when the service ends; it must end promptly when its task is cancelled, which is how
/// the group stops it.
public protocol Service: Sendable {
    var name: String { get }
    func run() async throws
}
