/// `application/x-www-form-urlencoded`, as browsers send forms.
public enum FormEncoding {
    public static func decode(_ body: [UInt8]) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in body.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = unescape(parts[0]) else { continue }
            let value = parts.count > 1 ? unescape(parts[1]) : ""
            if fields[key] == nil, let value { fields[key] = value }
        }
        return fields
    }

    /// `+` as a space and `%XX` as a byte; nil when an escape is broken or the bytes are not UTF-8.
    static func unescape(_ s: ArraySlice<UInt8>) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(s.count)
        var i = s.startIndex
        while i < s.endIndex {
            let c = s[i]
            if c == UInt8(ascii: "+") { out.append(0x20); i += 1; continue }
            if c == UInt8(ascii: "%") {
                guard i + 2 < s.endIndex, let h = String.hexDigit(s[i + 1]), let l = String.hexDigit(s[i + 2]) else { return nil }
                out.append(h << 4 | l); i += 3; continue
            }
            out.append(c); i += 1
        }
        return String(validating: out, as: UTF8.self)
    }
}
