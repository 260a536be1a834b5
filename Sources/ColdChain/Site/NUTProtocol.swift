/// Network UPS Tools' plain-text network protocol, as upsd speaks it (docs/net-protocol.txt): one request per
/// line, one answer line per `GET`. This is the parsing half, pure; `Gateway/Power/NUTClient` does the I/O.
public enum NUTProtocol {
    /// upsd's own lines are a few dozen bytes; an answer longer than this is not upsd, and reading stops there.
    public static let maxLine = 512

    /// One answer line.
    public enum Reply: Sendable, Equatable {
        /// `VAR <ups> <name> "<value>"`
        case variable(ups: String, name: String, value: String)
        /// `ERR <code> [<detail>]`: VAR-NOT-SUPPORTED, UNKNOWN-UPS, DATA-STALE, DRIVER-NOT-CONNECTED, ACCESS-DENIED...
        case error(String)
        /// `OK [<text>]` (to USERNAME, PASSWORD, LOGOUT).
        case ok
    }

    public enum ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        case unexpected(String)
        public var description: String {
            switch self { case .unexpected(let line): "not a NUT answer: \"\(line.truncated(80).escapedForTerminal)\"" }
        }
    }

    /// Parses one line (without its newline).
    public static func parse(_ line: String) throws(ParseError) -> Reply {
        if line == "OK" || line.hasPrefix("OK ") { return .ok }
        if line.hasPrefix("ERR ") {
            let code = line.dropFirst(4).prefix { $0 != " " }
            guard !code.isEmpty else { throw .unexpected(line) }
            return .error(String(code))
        }
        guard line.hasPrefix("VAR ") else { throw .unexpected(line) }
        let rest = Array(line.utf8.dropFirst(4))
        guard let s1 = rest.firstIndex(of: 0x20) else { throw .unexpected(line) }
        let afterUPS = rest[(s1 + 1)...]
        guard let s2 = afterUPS.firstIndex(of: 0x20) else { throw .unexpected(line) }
        let ups = String(decoding: rest[..<s1], as: UTF8.self), name = String(decoding: afterUPS[..<s2], as: UTF8.self)
        guard !ups.isEmpty, !name.isEmpty, let value = unquote(Array(afterUPS[(s2 + 1)...])) else { throw .unexpected(line) }
        return .variable(ups: ups, name: name, value: value)
    }

    /// `"..."` with `\"` and `\\` escaped, nothing after the closing quote.
    static func unquote(_ bytes: [UInt8]) -> String? {
        guard bytes.first == 0x22 else { return nil }
        var out: [UInt8] = []
        var i = 1
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x5C {
                guard i + 1 < bytes.count else { return nil }
                out.append(bytes[i + 1])
                i += 2
            } else if b == 0x22 {
                return i == bytes.count - 1 ? String(decoding: out, as: UTF8.self) : nil
            } else {
                out.append(b)
                i += 1
            }
        }
        return nil
    }

    /// A request line for `GET VAR`; names are checked by the config (letters, digits, '.', '_', '-').
    public static func getVar(ups: String, _ name: String) -> String { "GET VAR \(ups) \(name)\n" }

    /// `USERNAME`/`PASSWORD` lines quote their value, so a password with spaces or quotes is sent as given.
    public static func quoted(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            if c == "\\" || c == "\"" { out.unicodeScalars.append("\\") }
            out.unicodeScalars.append(c)
        }
        return out + "\""
    }
}

/// A UPS's `ups.status`: space-separated flags (OL on line, OB on battery, LB low battery, FSD forced shutdown,
/// CHRG, DISCHRG, BYPASS, OFF...).
public struct UPSStatus: Sendable, Equatable {
    public var flags: Set<String>
    public var raw: String
    public init(_ raw: String) {
        self.raw = raw
        flags = Set(raw.split(separator: " ").map(String.init))
    }
    /// On mains: OL without OB (a UPS in transition can say both; on battery wins).
    public var online: Bool? {
        if flags.contains("OB") { return false }
        if flags.contains("OL") { return true }
        return nil
    }
    /// LB, or FSD: upsmon is about to shut the load down.
    public var batteryLow: Bool { flags.contains("LB") || flags.contains("FSD") }
}

extension UPSStatus {
    /// `battery.charge` in %, when it is a number from 0 to 100 (anything else is not recorded).
    public static func charge(_ text: String?) -> Double? {
        guard let text, let v = Double(text), v.isFinite, (0...100).contains(v) else { return nil }
        return (v * 10).rounded() / 10
    }

    /// `battery.runtime` in seconds, when it is a number from 0 to 30 days.
    public static func runtime(_ text: String?) -> Double? {
        guard let text, let v = Double(text), v.isFinite, (0...(30 * 86400)).contains(v) else { return nil }
        return v.rounded()
    }
}
