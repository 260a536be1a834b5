/// A request as the handler sees it. libmicrohttpd passes the path without the query, which it parses into
/// `query`; the headers and cookies are bounded by the connection's memory limit, the body by the server's limit.
public struct HTTPRequest: Sendable {
    public var method: String
    public var path: String
    public var query: [String: String]
    public var cookies: [String: String]
    /// Header names as the client sent them; `header(_:)` looks one up without regard to case.
    public var headers: [String: String]
    public var body: [UInt8]
    /// The client's IPv4 address.
    public var client: String

    public init(method: String, path: String, query: [String: String] = [:], cookies: [String: String] = [:],
                headers: [String: String] = [:], body: [UInt8] = [], client: String = "") {
        self.method = method; self.path = path; self.query = query; self.cookies = cookies; self.headers = headers
        self.body = body; self.client = client
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.key.lowercased() == name.lowercased() }?.value
    }
}

/// What the handler answers: status, content type, body, or a stream (Server-Sent Events). Every response also gets
/// the server's security headers.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var contentType: String
    public var body: [UInt8]
    public var headers: [(String, String)]
    public var stream: (any HTTPStream)?

    public init(status: Int, contentType: String, body: [UInt8], headers: [(String, String)] = []) {
        self.status = status; self.contentType = contentType; self.body = body; self.headers = headers
    }

    public init(streaming stream: any HTTPStream, contentType: String, headers: [(String, String)] = []) {
        status = 200; self.contentType = contentType; body = []; self.headers = headers; self.stream = stream
    }

    public static func text(_ status: Int, _ text: String) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "text/plain; charset=utf-8", body: Array(text.utf8))
    }

    public static func html(_ status: Int, _ html: String, headers: [(String, String)] = []) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "text/html; charset=utf-8", body: Array(html.utf8), headers: headers)
    }

    /// 303 See Other: after a form, the browser asks for `location` with GET.
    public static func redirect(_ location: String, headers: [(String, String)] = []) -> HTTPResponse {
        HTTPResponse(status: 303, contentType: "text/plain; charset=utf-8", body: [], headers: [("Location", location)] + headers)
    }
}

/// A response body that comes in parts, on the connection's own thread. `next` waits for the next part (it must
/// return within the idle timeout: a keep-alive comment when nothing happened) and returns nil to end the response;
/// `close` is called once, however the response ended (the client went away, or the server stops).
public protocol HTTPStream: AnyObject, Sendable {
    func next() -> [UInt8]?
    func close()
}
