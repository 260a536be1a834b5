import Dispatch
import POSIX

/// An `HTTPClient` for async callers: its requests run one at a time on a queue of its own (libcurl blocks; Swift's
/// cooperative pool must not). The client, which is not Sendable, stays on that queue (`Serialized`).
public final class HTTPSession: Sendable {
    let client: Serialized<HTTPClient>

    public init(settings: HTTPSettings, label: String) throws(HTTPFailure) {
        client = Serialized(try HTTPClient(settings: settings), label: "coldchain.http.\(label)")
    }

    public func perform(_ request: HTTPRequest) async -> Result<HTTPResponse, HTTPFailure> {
        await client.run { $0.perform(request) }
    }

    /// The same, for a caller on a thread of its own (a benchmark, a test).
    public func performBlocking(_ request: HTTPRequest) -> Result<HTTPResponse, HTTPFailure> {
        client.blocking { $0.perform(request) }
    }
}
