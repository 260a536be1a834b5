import CMicroHTTPD
import Glibc

/// The HTTP server of coldchain-web on libmicrohttpd (the library under systemd-journal-gatewayd), the only module
/// that imports it. One final class per C handle: this owns the `MHD_Daemon`.
///
/// Limits (issue 23): at most 64 connections, 8 per address, 30 s idle, 16 KiB of memory a connection (which bounds
/// the request line and headers to under 8 KiB after MHD's own use), bodies of 16 KiB at most (a larger one is
/// refused with 413 from its Content-Length, before it is read, or once 16 KiB have come). GET, HEAD and POST.
/// Not Sendable: its owner starts and stops it; the handler runs on MHD's connection threads.
public final class HTTPServer {
    public struct Limits: Sendable {
        public var connections: UInt32 = 64
        public var perAddress: UInt32 = 8
        public var idleSeconds: UInt32 = 30
        public var memoryBytes = 16 * 1024
        public var bodyBytes = 16 * 1024
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
        let bodyLimit: Int
        init(_ handler: @escaping Handler, bodyLimit: Int) { self.handler = handler; self.bodyLimit = bodyLimit }
    }

    /// One request's state between libmicrohttpd's calls: its body so far. Owned by the connection's thread from the
    /// first call to `completed`, which releases it.
    final class Pending {
        var body: [UInt8] = []
        var tooLarge = false
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
        let box = Unmanaged.passRetained(Box(handler, bodyLimit: limits.bodyBytes))
        guard let d = cc_mhd_start(host, UInt16(port), { cls, connection, url, method, _, uploadData, uploadSize, state in
            guard let cls, let connection, let url, let method, let state, let uploadSize else { return HTTPServer.no }
            let box = Unmanaged<Box>.fromOpaque(cls).takeUnretainedValue()
            let m = String(cString: method)
            guard let raw = state.pointee else {
                // The first call: the headers are in. Anything but GET, HEAD and POST, and a body declared too large,
                // is answered now, before a byte of the body is read.
                guard ["GET", "HEAD", "POST"].contains(m) else { return HTTPServer.queue(.text(405, "only GET, HEAD and POST\n"), on: connection, head: false) }
                if let length = HTTPServer.value(connection, kind: HTTPServer.headerKind, "Content-Length").flatMap({ Int($0) }), length > box.bodyLimit {
                    return HTTPServer.queue(.text(413, "a request body is at most \(box.bodyLimit / 1024) KiB\n"), on: connection, head: false)
                }
                state.pointee = Unmanaged.passRetained(Pending()).toOpaque()
                return HTTPServer.yes
            }
            let pending = Unmanaged<Pending>.fromOpaque(raw).takeUnretainedValue()
            if uploadSize.pointee > 0 {
                // More of the body: kept while it fits. Past the bound (a chunked body has no length to refuse it by
                // up front) the refusal is queued at once and the connection closes after it: the rest is not read.
                guard let uploadData, pending.body.count + uploadSize.pointee <= box.bodyLimit else {
                    pending.tooLarge = true
                    let queued = HTTPServer.queue(.text(413, "a request body is at most \(box.bodyLimit / 1024) KiB\n"), on: connection, head: false)
                    return queued == HTTPServer.yes ? HTTPServer.yes : HTTPServer.no
                }
                uploadData.withMemoryRebound(to: UInt8.self, capacity: uploadSize.pointee) {
                    pending.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: uploadSize.pointee))
                }
                uploadSize.pointee = 0
                return HTTPServer.yes
            }
            if pending.tooLarge { return HTTPServer.no }
            let request = HTTPRequest(method: m, path: String(cString: url), query: HTTPServer.values(connection, kind: HTTPServer.queryKind),
                                      cookies: HTTPServer.values(connection, kind: HTTPServer.cookieKind),
                                      headers: HTTPServer.values(connection, kind: HTTPServer.headerKind), body: pending.body,
                                      client: HTTPServer.client(connection))
            return HTTPServer.queue(box.handler(request), on: connection, head: m == "HEAD")
        }, box.toOpaque(), { _, _, state, _ in
            // The request ended (answered, refused or the client went away): its state goes.
            if let state, let raw = state.pointee { Unmanaged<Pending>.fromOpaque(raw).release(); state.pointee = nil }
        }, limits.connections, limits.perAddress, limits.idleSeconds, limits.memoryBytes, tls?.certificatePEM, tls?.keyPEM) else {
            box.release()
            throw HTTPServerError("cannot listen on \(host):\(port) (in use, not an address of this machine"
                                  + (tls == nil ? ")" : ", or the certificate and key are not a PEM pair)"))
        }
        daemon = d
        self.box = box
        self.port = Int(cc_mhd_port(d))
    }

    /// Stops listening and waits for the connection threads (MHD_stop_daemon). Streams must have been ended first
    /// (their readers block on their thread).
    public func stop() {
        guard !stopped else { return }
        stopped = true
        MHD_stop_daemon(daemon)
        box.release()
    }

    deinit { stop() }

    /// The security headers every response carries: a strict CSP (no inline script, nothing from elsewhere), no
    /// sniffing, no framing, no referrer.
    public static let contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    static let securityHeaders: [(String, String)] = [
        ("Content-Security-Policy", contentSecurityPolicy),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "no-referrer"),
        ("Cache-Control", "no-store"),
    ]

    /// MHD_NO: close the connection without an answer; MHD_YES: go on.
    static let no = MHD_Result(rawValue: 0)!
    static let yes = MHD_Result(rawValue: 1)!
    /// MHD_HEADER_KIND, MHD_COOKIE_KIND, MHD_GET_ARGUMENT_KIND (an enum of flags, which Swift imports without its cases).
    static let headerKind = MHD_ValueKind(rawValue: 1)!
    static let cookieKind = MHD_ValueKind(rawValue: 2)!
    static let queryKind = MHD_ValueKind(rawValue: 8)!

    static func value(_ c: OpaquePointer, kind: MHD_ValueKind, _ key: String) -> String? {
        MHD_lookup_connection_value(c, kind, key).map { String(cString: $0) }
    }

    /// Every value of one kind (headers, cookies, query arguments), the first of each name kept. Their total is
    /// bounded by the connection's memory limit.
    static func values(_ c: OpaquePointer, kind: MHD_ValueKind) -> [String: String] {
        final class Collected { var values: [String: String] = [:] }
        let collected = Collected()
        let u = Unmanaged.passUnretained(collected)
        _ = MHD_get_connection_values(c, kind, { cls, _, key, value in
            guard let cls, let key else { return HTTPServer.yes }
            let into = Unmanaged<Collected>.fromOpaque(cls).takeUnretainedValue()
            let k = String(cString: key)
            if into.values[k] == nil { into.values[k] = value.map { String(cString: $0) } ?? "" }
            return HTTPServer.yes
        }, u.toOpaque())
        return withExtendedLifetime(collected) { collected.values }
    }

    static func client(_ c: OpaquePointer) -> String {
        var text = [CChar](repeating: 0, count: 64)
        cc_mhd_client(c, &text, text.count)
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static func queue(_ r: HTTPResponse, on connection: OpaquePointer, head: Bool) -> MHD_Result {
        let response: OpaquePointer
        if let stream = r.stream, !head {
            let source = Unmanaged.passRetained(StreamSource(stream))
            guard let s = cc_mhd_stream(4096, { cls, _, buffer, max in
                guard let cls, let buffer else { return -2 }
                return Unmanaged<StreamSource>.fromOpaque(cls).takeUnretainedValue().read(into: buffer, max: max)
            }, source.toOpaque(), { cls in
                guard let cls else { return }
                let source = Unmanaged<StreamSource>.fromOpaque(cls)
                source.takeUnretainedValue().stream.close()
                source.release()
            }) else { stream.close(); source.release(); return no }
            response = s
        } else {
            // A stream never handed to libmicrohttpd (a HEAD) is ended here: whatever it holds (a live-page slot) is
            // returned however the request ends.
            r.stream?.close()
            let body = head ? [] : r.body
            // MHD_RESPMEM_MUST_COPY (2): libmicrohttpd copies the body; Swift's buffer is gone after this call.
            let copy = MHD_ResponseMemoryMode(rawValue: 2)!
            guard let s = body.withUnsafeBytes({ b in
                MHD_create_response_from_buffer(b.count, UnsafeMutableRawPointer(mutating: b.baseAddress), copy)
            }) else { return no }
            response = s
        }
        defer { MHD_destroy_response(response) }
        _ = MHD_add_response_header(response, "Content-Type", r.contentType)
        // A response's own header replaces the default of that name (the spoken verdicts may be cached).
        for (k, v) in securityHeaders where !r.headers.contains(where: { $0.0 == k }) { _ = MHD_add_response_header(response, k, v) }
        for (k, v) in r.headers { _ = MHD_add_response_header(response, k, v) }
        return MHD_queue_response(connection, UInt32(r.status), response)
    }

    /// A stream's bytes as libmicrohttpd asks for them, on the connection's own thread (thread per connection: a
    /// reader that waits holds up no one else).
    final class StreamSource {
        let stream: any HTTPStream
        var pending: [UInt8] = []
        var offset = 0
        init(_ stream: any HTTPStream) { self.stream = stream }

        func read(into buffer: UnsafeMutablePointer<CChar>, max: Int) -> Int {
            if offset == pending.count {
                // MHD_CONTENT_READER_END_OF_STREAM (-1) ends the chunked body cleanly.
                guard let next = stream.next() else { return -1 }
                pending = next; offset = 0
                if next.isEmpty { return 0 }
            }
            let n = Swift.min(max, pending.count - offset)
            pending.withUnsafeBytes { b in UnsafeMutableRawPointer(buffer).copyMemory(from: b.baseAddress! + offset, byteCount: n) }
            offset += n
            return n
        }
    }
}

public struct HTTPServerError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}
