import CCurl
import FoundationEssentials

/// libcurl's global state, set up once before the first handle (`curl_global_init` itself is not thread-safe:
/// a static let runs it exactly once, under Swift's lazy-initialisation lock).
enum CurlGlobal {
    static let ready: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))
}

/// One request. The body is sent as is; headers are sent in order.
public struct HTTPRequest: Sendable {
    public enum Method: String, Sendable { case get = "GET", post = "POST" }
    public var method: Method
    public var url: String
    public var headers: [String]
    public var body: [UInt8]

    public init(_ method: Method, url: String, headers: [String] = [], body: [UInt8] = []) {
        self.method = method; self.url = url; self.headers = headers; self.body = body
    }
}

/// One answer: its status, its headers (names lower-cased; the last of a repeated name), and its body up to the
/// client's limit; the rest of a longer body was read and thrown away.
public struct HTTPResponse: Sendable, Equatable {
    public var status: Int
    public var headers: [String: String]
    public var body: [UInt8]
    /// Bytes of body received beyond `body` (read and discarded).
    public var discarded: Int
    public init(status: Int, headers: [String: String], body: [UInt8], discarded: Int) {
        self.status = status; self.headers = headers; self.body = body; self.discarded = discarded
    }
}

/// A request that got no HTTP answer, in libcurl's words ("Recv failure: Connection reset by peer",
/// "SSL certificate problem: self-signed certificate", "Could not resolve host: …"), with its CURLcode.
public struct HTTPFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: Int
    public var message: String
    public var description: String { message }
    public init(code: Int, message: String) { self.code = code; self.message = message }
    /// The URL itself is unusable (or names a protocol other than http and https): sending again will not help.
    public var isPermanent: Bool {
        code == Int(CURLE_URL_MALFORMAT.rawValue) || code == Int(CURLE_UNSUPPORTED_PROTOCOL.rawValue)
    }
}

/// How the client connects: time limits, the body it keeps, TLS material and a proxy.
public struct HTTPSettings: Sendable, Equatable {
    /// Seconds to set up the connection (TCP, proxy, TLS).
    public var connectTimeout: Double
    /// Seconds for the whole request, connection included.
    public var timeout: Double
    /// A transfer slower than `lowSpeedBytes` a second for `lowSpeedTime` seconds is a timeout, not a hang.
    public var lowSpeedBytes: Int
    public var lowSpeedTime: Double
    /// Bytes of an answer's body kept; the rest is read and discarded.
    public var maxBody: Int
    /// A CA file added to the system's (a provincial platform's private CA). Verification itself is always on.
    public var caFile: String?
    /// PEM client certificate and key, for mutual TLS.
    public var clientCert: String?
    public var clientKey: String?
    /// `http://host:port` (or `socks5://…`); nil: libcurl's own `https_proxy` / `no_proxy` environment applies.
    public var proxy: String?

    public init(timeout: Double, connectTimeout: Double? = nil, lowSpeedBytes: Int = 16, lowSpeedTime: Double? = nil, maxBody: Int = 1 << 20,
                caFile: String? = nil, clientCert: String? = nil, clientKey: String? = nil, proxy: String? = nil) {
        self.timeout = timeout; self.connectTimeout = connectTimeout ?? min(timeout, 10)
        self.lowSpeedBytes = lowSpeedBytes; self.lowSpeedTime = lowSpeedTime ?? min(timeout, 10); self.maxBody = maxBody
        self.caFile = caFile; self.clientCert = clientCert; self.clientKey = clientKey; self.proxy = proxy
    }
}

/// One libcurl easy handle: one connection, kept alive from one request to the next. Like a database connection
/// in GRDB it is not Sendable: use it from one thread at a time (`HTTPSession` serialises it on its queue).
///
/// Fixed for every request: redirects are never followed (a 3xx is the answer, so a bearer token never goes to
/// another host), peer and host verification stay on, only http and https are spoken, and no signal is used for
/// time-outs (a daemon has threads).
public final class HTTPClient {
    let handle: UnsafeMutableRawPointer
    let settings: HTTPSettings
    let sink: Sink
    let errorBuffer: UnsafeMutablePointer<CChar>

    /// Where libcurl's callbacks put the answer; reset before each request.
    final class Sink {
        var status = 0
        var headers: [String: String] = [:]
        var body: [UInt8] = []
        var discarded = 0
        var limit: Int
        init(limit: Int) { self.limit = limit }
        func reset() { headers = [:]; body = []; discarded = 0 }
        /// At most this many headers per answer, and this long each: a hostile answer cannot grow memory here either.
        static let maxHeaders = 100, maxHeaderLine = 8 * 1024
    }

    public init(settings: HTTPSettings) throws(HTTPFailure) {
        guard CurlGlobal.ready == CURLE_OK else { throw HTTPFailure(code: Int(CurlGlobal.ready.rawValue), message: "libcurl could not be initialised") }
        guard let h = curl_easy_init() else { throw HTTPFailure(code: -1, message: "libcurl could not make a handle") }
        handle = h
        self.settings = settings
        sink = Sink(limit: settings.maxBody)
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        do {
            try configure()
        } catch {
            curl_easy_cleanup(h)
            errorBuffer.deallocate()
            throw error
        }
    }

    deinit {
        curl_easy_cleanup(handle)
        errorBuffer.deallocate()
    }

    func check(_ code: CURLcode, _ what: String) throws(HTTPFailure) {
        guard code == CURLE_OK else { throw HTTPFailure(code: Int(code.rawValue), message: "\(what): \(String(cString: curl_easy_strerror(code)))") }
    }

    func set(_ option: CURLoption, _ value: Int, _ what: String) throws(HTTPFailure) {
        try check(cc_curl_setopt_long(handle, option, value), what)
    }

    func set(_ option: CURLoption, _ value: String, _ what: String) throws(HTTPFailure) {
        // libcurl copies string options (since 7.17), so the temporary C string may go once this returns.
        let code = value.withCString { cc_curl_setopt_pointer(handle, option, $0) }
        try check(code, what)
    }

    private func configure() throws(HTTPFailure) {
        let s = settings
        try set(CURLOPT_NOSIGNAL, 1, "no signals")
        try set(CURLOPT_FOLLOWLOCATION, 0, "redirects")
        try set(CURLOPT_SSL_VERIFYPEER, 1, "TLS peer verification")
        try set(CURLOPT_SSL_VERIFYHOST, 2, "TLS host verification")
        try set(CURLOPT_PROTOCOLS_STR, "http,https", "protocols")
        try set(CURLOPT_TCP_KEEPALIVE, 1, "keep-alive")
        try set(CURLOPT_CONNECTTIMEOUT_MS, Self.millis(s.connectTimeout), "connect timeout")
        try set(CURLOPT_TIMEOUT_MS, Self.millis(s.timeout), "timeout")
        try set(CURLOPT_LOW_SPEED_LIMIT, max(1, s.lowSpeedBytes), "low-speed limit")
        try set(CURLOPT_LOW_SPEED_TIME, max(1, Int(min(max(s.lowSpeedTime, 1), 86_400).rounded(.up))), "low-speed time")
        if let ca = s.caFile { try set(CURLOPT_CAINFO, ca, "ca_file") }
        if let cert = s.clientCert { try set(CURLOPT_SSLCERT, cert, "client_cert") }
        if let key = s.clientKey { try set(CURLOPT_SSLKEY, key, "client_key") }
        if let proxy = s.proxy { try set(CURLOPT_PROXY, proxy, "proxy") }
        try check(cc_curl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer), "error buffer")
        let context = Unmanaged.passUnretained(sink).toOpaque()
        try check(cc_curl_setopt_callback(handle, CURLOPT_WRITEFUNCTION, Self.onBody), "body callback")
        try check(cc_curl_setopt_pointer(handle, CURLOPT_WRITEDATA, context), "body context")
        try check(cc_curl_setopt_callback(handle, CURLOPT_HEADERFUNCTION, Self.onHeader), "header callback")
        try check(cc_curl_setopt_pointer(handle, CURLOPT_HEADERDATA, context), "header context")
    }

    /// Milliseconds for libcurl, within what a `long` holds and a person would set (a day).
    static func millis(_ seconds: Double) -> Int {
        guard seconds.isFinite else { return 86_400_000 }
        return Int(min(max(seconds, 0.001), 86_400) * 1000)
    }

    /// The body as it arrives: kept up to the limit, the rest counted and dropped (a 100 MB answer stays 1 MiB here).
    static let onBody: cc_curl_data_callback = { data, size, count, context in
        let n = size * count
        guard let data, let context else { return n }
        let sink = Unmanaged<Sink>.fromOpaque(context).takeUnretainedValue()
        let room = max(0, sink.limit - sink.body.count)
        let kept = min(room, n)
        if kept > 0 {
            data.withMemoryRebound(to: UInt8.self, capacity: kept) { sink.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: kept)) }
        }
        sink.discarded += n - kept
        return n
    }

    /// One header line (or a status line, which starts a new set: a proxy's CONNECT answer, a 100 Continue).
    static let onHeader: cc_curl_data_callback = { data, size, count, context in
        let n = size * count
        guard let data, let context, n <= Sink.maxHeaderLine else { return n }
        let sink = Unmanaged<Sink>.fromOpaque(context).takeUnretainedValue()
        let line = data.withMemoryRebound(to: UInt8.self, capacity: n) { String(decoding: UnsafeBufferPointer(start: $0, count: n), as: UTF8.self) }
        if line.hasPrefix("HTTP/") { sink.headers = [:]; return n }
        guard let colon = line.firstIndex(of: ":"), sink.headers.count < Sink.maxHeaders else { return n }
        let name = line[..<colon].lowercased()
        // Character.isWhitespace: "\r\n" is one Character in Swift, which a test for "\r" or "\n" alone misses.
        let isSpace = { (c: Character) in c.isWhitespace }
        let value = line[line.index(after: colon)...].drop(while: isSpace)
        sink.headers[name] = String(value[..<(value.lastIndex { !isSpace($0) }.map { value.index(after: $0) } ?? value.startIndex)])
        return n
    }

    /// Sends `request` and waits for its answer (blocking: call it off Swift's cooperative pool).
    public func perform(_ request: HTTPRequest) -> Result<HTTPResponse, HTTPFailure> {
        sink.reset()
        errorBuffer[0] = 0
        var list: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(list) }
        // libcurl adds "Expect: 100-continue" to larger POSTs and waits for it; the platform answers at once instead.
        for header in request.headers + ["Expect:"] { list = curl_slist_append(list, header) }
        do throws(HTTPFailure) {
            try set(CURLOPT_URL, request.url, "url")
            try check(cc_curl_setopt_pointer(handle, CURLOPT_HTTPHEADER, list), "headers")
            let performed: Result<CURLcode, HTTPFailure> = request.body.withUnsafeBytes { bytes in
                do throws(HTTPFailure) {
                    switch request.method {
                    case .get:
                        try set(CURLOPT_HTTPGET, 1, "GET")
                    case .post:
                        try set(CURLOPT_POST, 1, "POST")
                        try check(cc_curl_setopt_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(bytes.count)), "body size")
                        // Not copied by libcurl: `bytes` stays valid until curl_easy_perform returns, inside this closure.
                        try check(cc_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, bytes.baseAddress ?? UnsafeRawPointer(errorBuffer)), "body")
                    }
                    return .success(curl_easy_perform(handle))
                } catch {
                    return .failure(error)
                }
            }
            let code = try performed.get()
            // The body pointer is gone after the closure: libcurl must not keep it for the next request.
            _ = cc_curl_setopt_pointer(handle, CURLOPT_POSTFIELDS, nil)
            guard code == CURLE_OK else {
                let detail = String(cString: errorBuffer)
                return .failure(HTTPFailure(code: Int(code.rawValue), message: detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail))
            }
            var status = 0
            _ = cc_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
            return .success(HTTPResponse(status: status, headers: sink.headers, body: sink.body, discarded: sink.discarded))
        } catch {
            return .failure(error)
        }
    }
}
