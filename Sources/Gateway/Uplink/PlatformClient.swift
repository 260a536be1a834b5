import ColdChain
import FoundationEssentials
import Glibc
import PlatformHTTP

/// POSTs batches to the platform and GETs its holds, over libcurl (`PlatformHTTP`): one connection kept alive
/// between batches, peer and host verification always on (plain http only for loopback hosts, checked with the
/// configuration), and a reset reported at once as libcurl says it ("Recv failure: Connection reset by peer"),
/// where URLSession waited out the whole request timeout (10 s measured) before calling it a timeout.
///
/// Redirects are never followed. URLSession would follow a 307 to another host with the `Authorization` header
/// (measured: the token reached that host, also over plain http from an https platform), re-POST 307/308 with an
/// empty body and turn 301/302 into a GET, and then report the target's 200 as if the batch were stored. A 3xx is
/// therefore a refusal that names its Location.
struct PlatformClient: Sendable {
    let baseURL: String
    let token: String?
    let clock: any WallClock
    /// Nil when libcurl could not make a handle: every request then fails with that reason.
    let session: Result<HTTPSession, HTTPFailure>

    init(platform p: GatewayConfig.Platform, token: String?, clock: any WallClock, label: String) {
        baseURL = p.url
        self.token = token
        self.clock = clock
        // `platform.timeout` is the time a request may go without progress (to connect, or below 16 bytes a second:
        // a platform that drips a byte a second is a timeout); a whole request gets twice that, as URLSession gave.
        let settings = HTTPSettings(timeout: p.timeout * 2, connectTimeout: p.timeout, lowSpeedTime: p.timeout, caFile: p.caFile,
                                    clientCert: p.clientCert, clientKey: Self.clientKey(p), proxy: p.proxy)
        session = Result { () throws(HTTPFailure) in try HTTPSession(settings: settings, label: label) }
    }

    /// The client key: `client_key`, else the systemd credential `platform-client-key` (with `client_cert` set).
    static func clientKey(_ p: GatewayConfig.Platform) -> String? {
        if let key = p.clientKey { return key }
        guard p.clientCert != nil, let dir = getenv("CREDENTIALS_DIRECTORY").map({ String(cString: $0) }) else { return nil }
        let path = dir + "/platform-client-key"
        return access(path, R_OK) == 0 ? path : nil
    }

    /// The longest 3xx Location or error text kept for `outbox` and the log.
    static let maxMessage = 500

    static func redirectMessage(_ r: HTTPResponse) -> String {
        let location = (r.headers["location"] ?? "no Location").truncated(200)
        return "the platform redirects to \(location); redirects are not followed (the token would go with them): if the move is genuine, set platform.url to the new address"
    }

    enum Outcome: Sendable {
        case stored
        case retry(reason: String, after: Double?)
        case rejected(status: Int, message: String)
    }

    enum Fetch: Sendable {
        case changed(Data, etag: String?)
        case unchanged
        case failed(String)
    }

    var authorization: [String] { token.map { ["Authorization: Bearer \($0)"] } ?? [] }

    func send(_ request: HTTPRequest) async -> Result<HTTPResponse, HTTPFailure> {
        switch session {
        case .success(let s): return await s.perform(request)
        case .failure(let f): return .failure(f)
        }
    }

    /// GET with If-None-Match: `unchanged` on 304.
    func get(path: String, etag: String?) async -> Fetch {
        let request = HTTPRequest(.get, url: baseURL + path, headers: authorization + (etag.map { ["If-None-Match: \($0)"] } ?? []))
        switch await send(request) {
        case .failure(let f): return .failed(f.message)
        case .success(let r):
            switch r.status {
            case 304: return .unchanged
            case 200..<300:
                guard r.discarded == 0 else { return .failed("the platform's answer is over \(r.body.count) bytes; not read") }
                return .changed(Data(r.body), etag: r.headers["etag"])
            case 300..<400: return .failed("HTTP \(r.status): " + Self.redirectMessage(r))
            default: return .failed("platform answered \(r.status)")
            }
        }
    }

    /// The corresponding HTTP call is `POST {url}/v1/events`.
    func post(path: String, body: Data) async -> Outcome {
        let request = HTTPRequest(.post, url: baseURL + path, headers: ["Content-Type: application/json"] + authorization, body: Array(body))
        switch await send(request) {
        case .failure(let f):
            return f.isPermanent ? .rejected(status: 0, message: f.message) : .retry(reason: f.message, after: nil)
        case .success(let r):
            let code = r.status
            let text = String(decoding: r.body.prefix(Self.maxMessage), as: UTF8.self)
            switch code {
            case 200..<300: return .stored
            case 300..<400: return .rejected(status: code, message: Self.redirectMessage(r))
            case 408, 429, 500..<600:
                let after = RetryAfter.seconds(r.headers["retry-after"], now: clock.now(), cap: UplinkService.maxBackOff)
                return .retry(reason: "platform answered \(code)", after: after)
            default:
                return .rejected(status: code, message: text.isEmpty ? "HTTP \(code)" : text)
            }
        }
    }
}
