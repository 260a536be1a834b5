import Control
import POSIX

/// One connection as the poll loop keeps it: its socket, what it sent that is not yet handled, what waits to be
/// sent to it, and the times the limits are judged by. Touched by the loop's thread only.
final class ControlClientState {
    let fd: FileDescriptor
    let peer: PeerInfo
    let connection: ControlConnection
    var input = LineBuffer()
    var queued: [LineBuffer.Item] = []
    var busy = false
    var output: [UInt8] = []
    var eof = false
    var failed = false
    /// Monotonic time of the last byte read or written.
    var lastActivity: Double
    /// Monotonic time since which unsent output has waited without the client reading any.
    var stalledSince: Double?
    /// The largest unsent output this connection held: when it closes, a big one is worth a malloc_trim.
    var peakOutput = 0

    init(fd: FileDescriptor, peer: PeerInfo, connection: ControlConnection, now: Double) {
        self.fd = fd; self.peer = peer; self.connection = connection; lastActivity = now
    }

    var finished: Bool { failed || (eof && !busy && queued.isEmpty && output.isEmpty) }
    var idle: Bool { !busy && queued.isEmpty && output.isEmpty && !connection.isStreaming }

    /// Whether the loop should read more from it: only while its queue and its unsent replies are small.
    func wantsInput(_ limits: ControlLimits) -> Bool {
        !eof && queued.count < limits.maxQueuedRequests && output.count < limits.outputHighWater
    }

    func append(_ line: String, now: Double) {
        if output.isEmpty { stalledSince = now }
        output.append(contentsOf: line.utf8)
        peakOutput = max(peakOutput, output.count)
    }
}
