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

extension String {
    /// Columns a terminal gives this text: East Asian wide and fullwidth characters (汉字, ｆｕｌｌｗｉｄｔｈ) take two,
    /// combining marks and zero-width characters none, everything else one. (Unicode's East_Asian_Width W and F
    /// ranges, as wcwidth(3) has them, without a locale.)
    public var displayWidth: Int {
        var n = 0
        for c in self {
            guard let s = c.unicodeScalars.first else { continue }
            n += Self.isWide(s.value) ? 2 : (s.properties.generalCategory == .format ? 0 : 1)
        }
        return n
    }

    /// The text followed by spaces up to `columns` display columns.
    public func padded(toColumns columns: Int) -> String {
        let w = displayWidth
        return w >= columns ? self : self + String(repeating: " ", count: columns - w)
    }

    static func isWide(_ v: UInt32) -> Bool {
        switch v {
        case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
             0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
             0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x2FFFD, 0x30000...0x3FFFD:
            return true
        default:
            return false
        }
    }
}
