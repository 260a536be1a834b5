import CMicroHTTPD
import Glibc

/// A request as the handler sees it: its method and path (libmicrohttpd passes the path without the query).
public struct HTTPRequest: Sendable {
    public var method: String
    public var path: String
}

/// What the handler answers: status, content type, body. Every response also gets the server's security headers.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var contentType: String
    public var body: [UInt8]
    public var headers: [(String, String)]

    public init(status: Int, contentType: String, body: [UInt8], headers: [(String, String)] = []) {
        self.status = status; self.contentType = contentType; self.body = body; self.headers = headers
    }

    public static func text(_ status: Int, _ text: String) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "text/plain; charset=utf-8", body: Array(text.utf8))
    }
}

/// The HTTP server of coldchain-web on libmicrohttpd (the library under systemd-journal-gatewayd), the only module
/// that imports it. One final class per C handle: this owns the `MHD_Daemon`.
///
/// Limits (issue 23): at most 64 connections, 8 per address, 30 s idle, 16 KiB of memory a connection (which bounds
/// the request line and headers to under 8 KiB after MHD's own use). Only GET and HEAD so far: a body is refused
/// before it is read. Not Sendable: its owner starts and stops it; the handler runs on MHD's connection threads.
public final class HTTPServer {
    public struct Limits: Sendable {
        public var connections: UInt32 = 64
        public var perAddress: UInt32 = 8
        public var idleSeconds: UInt32 = 30
        public var memoryBytes = 16 * 1024
        public init() {}
    }

    public typealias Handler = @Sendable (HTTPRequest) -> HTTPResponse

    /// The `MHD_Daemon`: set once in init, stopped once in `stop()`.
    private let daemon: OpaquePointer
    private let box: Unmanaged<Box>
    private var stopped = false
    public let port: Int

    final class Box: Sendable {
        let handler: Handler
        init(_ handler: @escaping Handler) { self.handler = handler }
    }

    /// TLS: the certificate (chain) and key as PEM text.
    public struct TLS: Sendable {
        public var certificatePEM: String
        public var keyPEM: String
        public init(certificatePEM: String, keyPEM: String) { self.certificatePEM = certificatePEM; self.keyPEM = keyPEM }
    }

    /// Listens on `host` (an IPv4 address) and `port` (0: any free one), over TLS when `tls` is given.
    public init(host: String, port: Int, tls: TLS? = nil, limits: Limits = Limits(), handler: @escaping Handler) throws(HTTPServerError) {
        guard (0...65535).contains(port) else { throw HTTPServerError("port \(port) is out of range") }
        let box = Unmanaged.passRetained(Box(handler))
        guard let d = cc_mhd_start(host, UInt16(port), { cls, connection, url, method, _, _, uploadSize, _ in
            guard let cls, let connection, let url, let method else { return HTTPServer.no }
            let box = Unmanaged<Box>.fromOpaque(cls).takeUnretainedValue()
            let m = String(cString: method)
            // A body is refused, not read: GET and HEAD only for now (a 100 MB upload must not be buffered).
            if let uploadSize, uploadSize.pointee > 0 { return HTTPServer.no }
            let raw = String(cString: url)
            let request = HTTPRequest(method: m, path: raw)
            let response = m == "GET" || m == "HEAD" ? box.handler(request) : .text(405, "only GET and HEAD\n")
            return HTTPServer.queue(response, on: connection, head: m == "HEAD")
        }, box.toOpaque(), limits.connections, limits.perAddress, limits.idleSeconds, limits.memoryBytes, tls?.certificatePEM, tls?.keyPEM) else {
            box.release()
            throw HTTPServerError("cannot listen on \(host):\(port) (in use, not an address of this machine"
                                  + (tls == nil ? ")" : ", or the certificate and key are not a PEM pair)"))
        }
        daemon = d
        self.box = box
        self.port = Int(cc_mhd_port(d))
    }

    /// Stops listening and waits for the connection threads (MHD_stop_daemon).
    public func stop() {
        guard !stopped else { return }
        stopped = true
        MHD_stop_daemon(daemon)
        box.release()
    }

    deinit { stop() }

    /// The security headers every response carries: a strict CSP (no inline script, nothing from elsewhere), no
    /// sniffing, no framing, no referrer.
    static let securityHeaders: [(String, String)] = [
        ("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "no-referrer"),
        ("Cache-Control", "no-store"),
    ]

    /// MHD_NO: close the connection without an answer.
    static let no = MHD_Result(rawValue: 0)!

    static func queue(_ r: HTTPResponse, on connection: OpaquePointer, head: Bool) -> MHD_Result {
        let body = head ? [] : r.body
        // MHD_RESPMEM_MUST_COPY (2): libmicrohttpd copies the body; Swift's buffer is gone after this call.
        let copy = MHD_ResponseMemoryMode(rawValue: 2)!
        guard let response = body.withUnsafeBytes({ b in
            MHD_create_response_from_buffer(b.count, UnsafeMutableRawPointer(mutating: b.baseAddress), copy)
        }) else { return no }
        defer { MHD_destroy_response(response) }
        _ = MHD_add_response_header(response, "Content-Type", r.contentType)
        for (k, v) in securityHeaders + r.headers { _ = MHD_add_response_header(response, k, v) }
        return MHD_queue_response(connection, UInt32(r.status), response)
    }
}

public struct HTTPServerError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}
