import ColdChain
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// POSTs batches to the platform. TLS is verified by URLSession against the system's CA store, and nothing here can
/// turn that off; plain http is accepted only for loopback hosts (checked with the configuration).
///
/// Redirects are never followed. URLSession would follow a 307 to another host with the `Authorization` header
/// (measured: the token reached that host, also over plain http from an https platform), re-POST 307/308 with an
/// empty body and turn 301/302 into a GET, and then report the target's 200 as if the batch were stored. A 3xx is
/// therefore a refusal that names its Location.
struct PlatformClient: Sendable {
    let baseURL: String
    let token: String?
    let timeout: Double
    let clock: any WallClock
    let session: URLSession

    init(baseURL: String, token: String?, timeout: Double, clock: any WallClock) {
        self.baseURL = baseURL
        self.token = token
        self.timeout = timeout
        self.clock = clock
        let c = URLSessionConfiguration.ephemeral
        c.timeoutIntervalForRequest = timeout
        c.timeoutIntervalForResource = timeout * 2
        c.httpCookieStorage = nil
        c.urlCache = nil
        session = URLSession(configuration: c, delegate: RefuseRedirects(), delegateQueue: nil)
    }

    /// The longest 3xx Location or error text kept for `outbox` and the log.
    static let maxMessage = 500

    static func redirectMessage(_ http: HTTPURLResponse) -> String {
        let location = (http.value(forHTTPHeaderField: "Location") ?? "no Location").truncated(200)
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

    /// GET with If-None-Match: `unchanged` on 304.
    func get(path: String, etag: String?) async -> Fetch {
        guard let url = URL(string: baseURL + path) else { return .failed("bad platform URL") }
        var req = URLRequest(url: url, timeoutInterval: timeout)
        if let token { req.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let etag { req.setValue(etag, forHTTPHeaderField: "If-None-Match") }
        do {
            let (data, response) = try await session.data(for: req)
            guard let http = response as? HTTPURLResponse else { return .failed("no HTTP response") }
            switch http.statusCode {
            case 304: return .unchanged
            case 200..<300: return .changed(data, etag: http.value(forHTTPHeaderField: "ETag"))
            case 300..<400: return .failed("HTTP \(http.statusCode): " + Self.redirectMessage(http))
            default: return .failed("platform answered \(http.statusCode)")
            }
        } catch {
            return .failed(error.localizedDescription)
        }
    }

    /// The corresponding HTTP call is `POST {url}/v1/events`.
    func post(path: String, body: Data) async -> Outcome {
        guard let url = URL(string: baseURL + path) else { return .rejected(status: 0, message: "bad platform URL") }
        var req = URLRequest(url: url, timeoutInterval: timeout)
        req.httpMethod = "POST"
        req.setValue("application/json", forHTTPHeaderField: "Content-Type")
        if let token { req.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        req.httpBody = body
        do {
            let (data, response) = try await session.data(for: req)
            guard let http = response as? HTTPURLResponse else { return .retry(reason: "no HTTP response", after: nil) }
            let code = http.statusCode
            let text = String(decoding: data.prefix(Self.maxMessage), as: UTF8.self)
            switch code {
            case 200..<300: return .stored
            case 300..<400: return .rejected(status: code, message: Self.redirectMessage(http))
            case 408, 429, 500..<600:
                let after = RetryAfter.seconds(http.value(forHTTPHeaderField: "Retry-After"), now: clock.now(), cap: UplinkService.maxBackOff)
                return .retry(reason: "platform answered \(code)", after: after)
            default:
                return .rejected(status: code, message: text.isEmpty ? "HTTP \(code)" : text)
            }
        } catch {
            return .retry(reason: "\(error.localizedDescription)", after: nil)
        }
    }
}

/// Answers every redirect with "do not follow": URLSession then completes the task with the 3xx response itself.
/// (`@unchecked Sendable`: it has no state at all; NSObject is what keeps it from being checked.)
final class RefuseRedirects: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    func urlSession(_ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
                    newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void) {
        completionHandler(nil)
    }
}
