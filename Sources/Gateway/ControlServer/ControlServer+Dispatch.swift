import ColdChain
import Control
import POSIX

/// Requests to handlers and replies back: one request at a time per connection, in order.
extension ControlServer {
    /// Starts the next queued request, unless one is running or the client has not taken its earlier replies.
    func dispatchNext(_ c: ControlClientState, id: Int) {
        while !c.busy, !c.queued.isEmpty, c.output.count < limits.outputHighWater {
            let item = c.queued.removeFirst()
            switch item {
            case .tooLong:
                c.append(ControlReply.failure(ControlFailure(.tooLong, "request line longer than \(ControlProtocol.maxLine) bytes; ignored")).line,
                         now: monotonicSeconds())
            case .line(let bytes):
                if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                switch ControlRequest.parse(bytes) {
                case .failure(let f):
                    c.append(ControlReply.failure(f).line, now: monotonicSeconds())
                case .success(let request):
                    c.busy = true
                    let peer = c.peer
                    let connection = c.connection
                    Task.detached { [self] in
                        let reply = await handler.handle(request, peer: peer, connection: connection)
                        // A result sent in parts ends with the handler's reply as its end line.
                        post(id, .line(connection.takeInParts() ? ControlParts.end(reply) : replyLine(reply, to: request)))
                        // A stream keeps the connection busy: further lines are the stream's, not requests.
                        if !connection.isStreaming { post(id, .done) }
                    }
                }
            }
        }
    }

    /// The reply as sent: too long to send whole is a clear refusal, not a reset of the client after 4 MiB.
    func replyLine(_ reply: ControlReply, to request: ControlRequest) -> String {
        let line = reply.line
        guard line.utf8.count > ControlProtocol.maxReply else { return line }
        return ControlReply.failure(.tooLarge(command: request.cmd, bytes: line.utf8.count, narrowing: handler.narrowing(request))).line
    }
}
