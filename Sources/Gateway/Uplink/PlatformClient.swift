import ColdChain
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// POSTs batches to the platform. TLS is verified by URLSession against the system's CA store, and nothing here can
/// turn that off; plain http is accepted only for loopback hosts (checked with the configuration).
struct PlatformClient: Sendable {
    let baseURL: String
    let token: String?
    let timeout: Double
    let session: URLSession

    init(baseURL: String, token: String?, timeout: Double) {
        self.baseURL = baseURL
        self.token = token
        self.timeout = timeout
        let c = URLSessionConfiguration.ephemeral
        c.timeoutIntervalForRequest = timeout
        c.timeoutIntervalForResource = timeout * 2
        c.httpCookieStorage = nil
        c.urlCache = nil
        session = URLSession(configuration: c)
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
            let text = String(decoding: data.prefix(500), as: UTF8.self)
            switch code {
            case 200..<300: return .stored
            case 408, 429, 500..<600:
                let after = (http.value(forHTTPHeaderField: "Retry-After")).flatMap(Double.init)
                return .retry(reason: "platform answered \(code)", after: after)
            default:
                return .rejected(status: code, message: text.isEmpty ? "HTTP \(code)" : text)
            }
        } catch {
            return .retry(reason: "\(error.localizedDescription)", after: nil)
        }
    }
}
