import Dispatch

/// An `HTTPClient` for async callers: its requests run one at a time on a queue of its own (libcurl blocks; Swift's
/// cooperative pool must not). `@unchecked Sendable`: the client, which is not Sendable, is only touched on `queue`.
public final class HTTPSession: @unchecked Sendable {
    let queue: DispatchQueue
    let client: HTTPClient

    public init(settings: HTTPSettings, label: String) throws(HTTPFailure) {
        client = try HTTPClient(settings: settings)
        queue = DispatchQueue(label: "coldchain.http.\(label)")
    }

    public func perform(_ request: HTTPRequest) async -> Result<HTTPResponse, HTTPFailure> {
        await withCheckedContinuation { c in
            queue.async { c.resume(returning: self.client.perform(request)) }
        }
    }

    /// The same, for a caller on a thread of its own (a benchmark, a test).
    public func performBlocking(_ request: HTTPRequest) -> Result<HTTPResponse, HTTPFailure> {
        queue.sync { client.perform(request) }
    }
}
