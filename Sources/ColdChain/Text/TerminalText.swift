/// Text from outside (a barcode, a platform's answer, a config value) made safe to show a person.
///
/// A terminal obeys escape sequences in what it prints: a scanned serial carrying `ESC ] 0 ; … BEL` retitles the
/// technician's window and `ESC [ 31m` recolours it; a journal viewer does the same. Every human-facing output
/// (the CLI's tables and lines, the daemon's log, config diagnostics) passes its outside values through here.
extension String {
    /// Control characters written visibly: C0 and DEL as `\xNN` (`\n`, `\r`, `\t` by name), C1 and the Unicode
    /// bidirectional overrides (which reorder what the reader sees) as `\u{NNNN}`; a backslash stays as it is.
    public var escapedForTerminal: String {
        guard unicodeScalars.contains(where: Self.needsEscape) else { return self }
        var out = ""
        out.reserveCapacity(utf8.count + 8)
        for s in unicodeScalars {
            guard Self.needsEscape(s) else { out.unicodeScalars.append(s); continue }
            switch s {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if s.value < 0x80 { out += "\\x" + Self.hex(s.value, width: 2) } else { out += "\\u{" + Self.hex(s.value, width: 4) + "}" }
            }
        }
        return out
    }

    /// Whether `escapedForTerminal` would rewrite this scalar: the one definition of "a control character" here.
    public static func needsEscape(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x00...0x1F, 0x7F...0x9F: return true
        case 0x200E, 0x200F, 0x202A...0x202E, 0x2066...0x2069: return true   // bidi marks, embeddings, overrides, isolates
        default: return false
        }
    }

    static func hex(_ v: UInt32, width: Int) -> String {
        let h = String(v, radix: 16)
        return h.count >= width ? h : String(repeating: "0", count: width - h.count) + h
    }

    /// At most `limit` characters, with `…` when cut: for a value quoted in a message (a 1 MB argument must not
    /// come back as a 1 MB error).
    public func truncated(_ limit: Int) -> String {
        count <= limit ? self : String(prefix(Swift.max(0, limit - 1))) + "…"
    }

    /// RFC 3986's unreserved characters as they are, every other byte as `%XX`: a path segment or a query value
    /// (a GS1 serial in an EPCIS URI, DingTalk's signature).
    public var percentEncoded: String {
        var out = ""
        for b in utf8 {
            let c = Character(Unicode.Scalar(b))
            if c.isASCII && (c.isLetter || c.isNumber || "-._~".contains(c)) { out.append(c) }
            else { out += "%" + Self.hex(UInt32(b), width: 2).uppercased() }
        }
        return out
    }
}
