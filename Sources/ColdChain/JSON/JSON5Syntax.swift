/// Finds where a JSON5 text stops being valid, for an error a technician can act on.
///
/// Foundation's decoder says only "The given data was not valid JSON." with no position. This recognizer walks
/// the same grammar (comments, unquoted keys, single quotes, trailing commas, hex, Infinity, NaN) and reports
/// the first problem's line and column. It builds no values: decoding stays Foundation's job.
public struct JSON5SyntaxError: Error, Equatable, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var message: String
    public var description: String { "\(line):\(column): \(message)" }
}

public enum JSON5Syntax {
    /// Returns the first syntax error in `text`, or nil when the text is well-formed JSON5.
    public static func firstError(in text: [UInt8]) -> JSON5SyntaxError? {
        var s = Scanner(bytes: text)
        do {
            try s.skipSpace()
            if s.atEnd { throw s.error("the file is empty: expected a JSON5 object") }
            try s.value(depth: 0)
            try s.skipSpace()
            if !s.atEnd { throw s.error("unexpected \(s.describeCurrent()) after the end of the document") }
            return nil
        } catch let e as JSON5SyntaxError {
            return e
        } catch {
            return JSON5SyntaxError(line: 1, column: 1, message: "\(error)")
        }
    }

    /// The length of the well-formed UTF-8 sequence starting at `i`, or nil.
    static func utf8Length(_ b: [UInt8], at i: Int) -> Int? {
        let c = b[i]
        let n: Int
        switch c {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: n = 1
        case 0xE0...0xEF: n = 2
        case 0xF0...0xF4: n = 3
        default: return nil
        }
        guard i + n < b.count else { return nil }
        for k in 1...n where b[i + k] & 0xC0 != 0x80 { return nil }
        // Overlong three- and four-byte forms, surrogates and code points past U+10FFFF.
        if c == 0xE0 && b[i + 1] < 0xA0 { return nil }
        if c == 0xED && b[i + 1] > 0x9F { return nil }
        if c == 0xF0 && b[i + 1] < 0x90 { return nil }
        if c == 0xF4 && b[i + 1] > 0x8F { return nil }
        return n + 1
    }

    private struct Scanner {
        let bytes: [UInt8]
        var i = 0
        init(bytes: [UInt8]) { self.bytes = bytes }

        var atEnd: Bool { i >= bytes.count }
        var current: UInt8? { i < bytes.count ? bytes[i] : nil }

        func error(_ message: String, at index: Int? = nil) -> JSON5SyntaxError {
            let upto = min(index ?? i, bytes.count)
            var line = 1, column = 1
            var k = 0
            while k < upto {
                if bytes[k] == 0x0A { line += 1; column = 1 }
                else if bytes[k] & 0xC0 != 0x80 { column += 1 }  // count characters, not UTF-8 continuation bytes
                k += 1
            }
            return JSON5SyntaxError(line: line, column: column, message: message)
        }

        func describeCurrent() -> String {
            guard let c = current else { return "end of file" }
            if c >= 0x21 && c < 0x7f { return "'\(Character(Unicode.Scalar(c)))'" }
            return String(format_hex: c)
        }

        mutating func skipSpace() throws {
            while let c = current {
                switch c {
                case 0x20, 0x09, 0x0A, 0x0D, 0x0B, 0x0C: i += 1
                case 0xC2 where i + 1 < bytes.count && bytes[i + 1] == 0xA0: i += 2  // no-break space
                case 0xEF where i + 2 < bytes.count && bytes[i + 1] == 0xBB && bytes[i + 2] == 0xBF: i += 3  // BOM
                case UInt8(ascii: "/"):
                    guard i + 1 < bytes.count else { throw error("unexpected '/'") }
                    if bytes[i + 1] == UInt8(ascii: "/") {
                        while let d = current, d != 0x0A { _ = d; i += 1 }
                    } else if bytes[i + 1] == UInt8(ascii: "*") {
                        let start = i
                        i += 2
                        while true {
                            guard i + 1 < bytes.count else { throw error("comment opened here is never closed", at: start) }
                            if bytes[i] == UInt8(ascii: "*") && bytes[i + 1] == UInt8(ascii: "/") { i += 2; break }
                            i += 1
                        }
                    } else {
                        throw error("unexpected '/' (comments start with // or /*)")
                    }
                default: return
                }
            }
        }

        mutating func value(depth: Int) throws {
            if depth > 200 { throw error("nesting deeper than 200 levels") }
            guard let c = current else { throw error("unexpected end of file: expected a value") }
            switch c {
            case UInt8(ascii: "{"): try object(depth: depth)
            case UInt8(ascii: "["): try array(depth: depth)
            case UInt8(ascii: "\""), UInt8(ascii: "'"): try string()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            case UInt8(ascii: "I"): try literal("Infinity")
            case UInt8(ascii: "N"): try literal("NaN")
            case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "0")...UInt8(ascii: "9"):
                try number()
            default:
                if isIdentifierStart(c) {
                    let start = i
                    while let d = current, isIdentifierPart(d) { i += 1 }
                    let word = String(decoding: bytes[start..<i], as: UTF8.self)
                    throw error("unexpected word '\(word)': strings need quotes", at: start)
                }
                throw error("unexpected \(describeCurrent()): expected a value")
            }
        }

        mutating func literal(_ word: String) throws {
            let w = Array(word.utf8)
            let start = i
            guard i + w.count <= bytes.count, Array(bytes[i..<i + w.count]) == w,
                  i + w.count == bytes.count || !isIdentifierPart(bytes[i + w.count])
            else {
                while let d = current, isIdentifierPart(d) { i += 1 }
                let got = String(decoding: bytes[start..<max(i, start + 1)], as: UTF8.self)
                throw error("unexpected word '\(got)': strings need quotes", at: start)
            }
            i += w.count
        }

        mutating func number() throws {
            let start = i
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { i += 1 }
            if current == UInt8(ascii: "I") { try literal("Infinity"); return }
            if current == UInt8(ascii: "N") { try literal("NaN"); return }
            if current == UInt8(ascii: "0"), i + 1 < bytes.count, bytes[i + 1] | 0x20 == UInt8(ascii: "x") {
                i += 2
                let digitsStart = i
                while let d = current, isHex(d) { i += 1 }
                if i == digitsStart { throw error("hexadecimal number without digits", at: start) }
            } else {
                var digits = 0
                if current == UInt8(ascii: "0"), i + 1 < bytes.count, isDigit(bytes[i + 1]) {
                    throw error("a number may not start with 0 (octal is not allowed)", at: start)
                }
                while let d = current, isDigit(d) { i += 1; digits += 1 }
                if current == UInt8(ascii: ".") {
                    i += 1
                    while let d = current, isDigit(d) { i += 1; digits += 1 }
                }
                if digits == 0 { throw error("malformed number", at: start) }
                // Foundation's decoder refuses an exponent right after a lone 0 ("0e1"); so does this gate.
                if let e = current, e | 0x20 == UInt8(ascii: "e"), bytes[start..<i].allSatisfy({ $0 == 0x30 || $0 == 0x2B || $0 == 0x2D }) {
                    throw error("write 0 without an exponent", at: start)
                }
                if let e = current, e | 0x20 == UInt8(ascii: "e") {
                    i += 1
                    if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { i += 1 }
                    let expStart = i
                    while let d = current, isDigit(d) { i += 1 }
                    if i == expStart { throw error("malformed number exponent", at: start) }
                }
            }
            if let d = current, isIdentifierPart(d) {
                throw error("malformed number (a unit needs quotes, e.g. \"500ms\")", at: start)
            }
        }

        mutating func string() throws {
            let quote = bytes[i]
            let start = i
            i += 1
            while true {
                guard let c = current else { throw error("string opened here is never closed", at: start) }
                if c == quote { i += 1; return }
                if c == 0x0A || c == 0x0D { throw error("line break inside a string (string opened at column \(error("", at: start).column))") }
                if c < 0x20 { throw error("control character \(String(format_hex: c)) inside a string: write it as an escape") }
                if c == UInt8(ascii: "\\") {
                    i += 1
                    guard let e = current else { throw error("string opened here is never closed", at: start) }
                    if e == UInt8(ascii: "x") {
                        guard i + 2 < bytes.count, isHex(bytes[i + 1]), isHex(bytes[i + 2]) else { throw error("bad \\x escape") }
                        i += 3
                    } else if e == UInt8(ascii: "u") {
                        guard i + 4 < bytes.count, (1...4).allSatisfy({ isHex(bytes[i + $0]) }) else { throw error("bad \\u escape") }
                        i += 5
                    } else if e == 0x0D {
                        i += 1
                        if current == 0x0A { i += 1 }
                    } else if Array("'\"\\/bfnrt\n".utf8).contains(e) {
                        // JSON5 also has \0 and \v, but Foundation's decoder refuses them: refused here too.
                        i += 1
                    } else {
                        throw error("unknown escape \\\(e >= 0x21 && e < 0x7f ? String(Character(Unicode.Scalar(e))) : String(format_hex: e)) in a string (write \\\\ for a backslash)")
                    }
                    continue
                }
                if c >= 0x80 {
                    guard let n = JSON5Syntax.utf8Length(bytes, at: i) else { throw error("invalid UTF-8 (\(String(format_hex: c))) in a string: save the file as UTF-8") }
                    i += n
                    continue
                }
                i += 1
            }
        }

        mutating func key() throws {
            guard let c = current else { throw error("unexpected end of file: expected a key") }
            if c == UInt8(ascii: "\"") || c == UInt8(ascii: "'") { try string(); return }
            guard isIdentifierStart(c) else { throw error("unexpected \(describeCurrent()): expected a key") }
            while let d = current, isIdentifierPart(d) { i += 1 }
        }

        mutating func object(depth: Int) throws {
            let open = i
            i += 1
            try skipSpace()
            while true {
                guard let c = current else { throw error("'{' opened here is never closed", at: open) }
                if c == UInt8(ascii: "}") { i += 1; return }
                try key()
                try skipSpace()
                guard current == UInt8(ascii: ":") else { throw error("expected ':' after the key, found \(describeCurrent())") }
                i += 1
                try skipSpace()
                try value(depth: depth + 1)
                try skipSpace()
                if current == UInt8(ascii: ",") { i += 1; try skipSpace(); continue }
                if current == UInt8(ascii: "}") { i += 1; return }
                if current == nil { throw error("'{' opened here is never closed", at: open) }
                throw error("expected ',' or '}' after a value, found \(describeCurrent())")
            }
        }

        mutating func array(depth: Int) throws {
            let open = i
            i += 1
            try skipSpace()
            while true {
                guard let c = current else { throw error("'[' opened here is never closed", at: open) }
                if c == UInt8(ascii: "]") { i += 1; return }
                try value(depth: depth + 1)
                try skipSpace()
                if current == UInt8(ascii: ",") { i += 1; try skipSpace(); continue }
                if current == UInt8(ascii: "]") { i += 1; return }
                if current == nil { throw error("'[' opened here is never closed", at: open) }
                throw error("expected ',' or ']' after a value, found \(describeCurrent())")
            }
        }

        func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        func isHex(_ c: UInt8) -> Bool { isDigit(c) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x66) }
        func isIdentifierStart(_ c: UInt8) -> Bool {
            (c | 0x20 >= 0x61 && c | 0x20 <= 0x7A) || c == UInt8(ascii: "_") || c == UInt8(ascii: "$") || c >= 0x80
        }
        func isIdentifierPart(_ c: UInt8) -> Bool { isIdentifierStart(c) || isDigit(c) }
    }
}

extension String {
    init(format_hex byte: UInt8) {
        let h = String(byte, radix: 16)
        self = "byte 0x" + (h.count == 1 ? "0" + h : h)
    }
}
