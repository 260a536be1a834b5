/// What may be kept of a remote answer or a tool's output: the text with every secret it could echo taken out, cut to
/// a short excerpt, its control characters escaped.
///
/// Found by the second hardening run: a robot endpoint that answered 200 with a non-JSON page echoing its request (a
/// captive portal, a proxy's error page) put the webhook's `key` into `alarm.notified`, the journal and `watch`, and
/// the ledger, which cannot be changed, forwards it to the platform. So nothing remote is recorded or logged except
/// through here, with the URL, its query, each query value and every configured secret as the things to remove, in
/// the forms an echo may take them (as written, percent-encoded, percent-decoded).
public struct Redaction: Sendable, Equatable {
    /// Longest first, so a URL is removed whole before its query value is looked for inside what is left.
    public private(set) var secrets: [String]

    /// Secrets shorter than this are not looked for (a query value `1` would blank every digit); a real key, token or
    /// signing secret is far longer.
    public static let shortest = 6
    /// Characters of remote text kept in a record or a log line.
    public static let excerpt = 120

    public init(secrets: [String] = []) {
        self.secrets = []
        for s in secrets { add(s) }
    }

    /// A URL's secrets: the whole URL, its query, each query value, and, for a URL whose path carries a token (some
    /// robots do), the path's last segment.
    public static func url(_ url: String) -> Redaction {
        var r = Redaction(secrets: [url])
        let q = url.firstIndex(of: "?") ?? url.endIndex
        if q < url.endIndex {
            let query = String(url[url.index(after: q)...])
            r.add(query)
            for pair in query.split(separator: "&") {
                if let eq = pair.firstIndex(of: "=") { r.add(String(pair[pair.index(after: eq)...])) }
            }
        }
        let path = url[..<q]
        if let slash = path.lastIndex(of: "/"), path.distance(from: slash, to: path.endIndex) > 16 { r.add(String(path[path.index(after: slash)...])) }
        return r
    }

    public mutating func add(_ secret: String) {
        for form in [secret, secret.percentEncoded, secret.percentDecoded] where form.count >= Self.shortest && !secrets.contains(form) {
            secrets.append(form)
        }
        secrets.sort { $0.count > $1.count }
    }

    public mutating func add(_ other: Redaction) { for s in other.secrets { add(s) } }

    /// `text` without any secret (each replaced by `…`), whole: for text that is then parsed.
    public func removingSecrets(_ text: String) -> String {
        var out = text
        for s in secrets where out.contains(s) { out = out.replacing(s, with: "…") }
        return out
    }

    /// What may be recorded or logged of `text`: secrets removed first (a cut could leave half a key), then cut to
    /// `limit` characters and escaped.
    public func excerpt(_ text: String, limit: Int = Redaction.excerpt) -> String {
        removingSecrets(text).truncated(limit).escapedForTerminal
    }
}

extension String {
    /// `%XX` sequences decoded (and `+` left alone); a malformed one is kept as written. The inverse of
    /// `percentEncoded`, for finding a secret an echo printed decoded.
    public var percentDecoded: String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count)
        var it = Array(utf8)[...]
        while let b = it.popFirst() {
            if b == UInt8(ascii: "%"), it.count >= 2, let hi = Self.hexDigit(it[it.startIndex]), let lo = Self.hexDigit(it[it.startIndex + 1]) {
                bytes.append(hi << 4 | lo)
                it = it.dropFirst(2)
            } else {
                bytes.append(b)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func hexDigit(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
