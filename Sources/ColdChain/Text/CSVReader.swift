/// Reads CSV (RFC 4180: quoted fields, doubled quotes, CRLF or LF) from bytes another program wrote: a
/// catalogue, a delivery bill. Bounded: a field longer than `maxField` bytes or a row of more than `maxFields` is
/// a problem of that row, never a reason to hold more memory.
public struct CSVReader {
    public struct Row: Sendable, Equatable {
        /// 1-based, counting the header as row 1, as a spreadsheet numbers them.
        public var number: Int
        public var fields: [String]
        /// Why the row cannot be read as fields, if it cannot (its fields are then empty).
        public var problem: String?
    }

    public static let maxField = 1024
    public static let maxFields = 64

    /// Every row, the header first. A UTF-8 byte order mark at the start is skipped; invalid UTF-8 in a row is
    /// that row's problem. Blank lines are skipped.
    public static func rows(_ bytes: [UInt8]) -> [Row] {
        var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        var rows: [Row] = []
        var number = 0
        while i < bytes.count {
            number += 1
            var fields: [[UInt8]] = []
            var field: [UInt8] = []
            var problem: String?
            var quoted = false, wasQuoted = false
            lineLoop: while i < bytes.count {
                let b = bytes[i]
                i += 1
                if quoted {
                    if b == 0x22 {
                        if i < bytes.count && bytes[i] == 0x22 { field.append(0x22); i += 1 } else { quoted = false }
                    } else {
                        field.append(b)
                    }
                } else {
                    switch b {
                    case 0x22:
                        if field.isEmpty && !wasQuoted { quoted = true; wasQuoted = true }
                        else if problem == nil { problem = "a quote inside an unquoted field (field \(fields.count + 1))" }
                    case 0x2C:
                        fields.append(field); field = []; wasQuoted = false
                    case 0x0A: break lineLoop
                    case 0x0D:
                        if i < bytes.count && bytes[i] == 0x0A { i += 1 }
                        break lineLoop
                    default:
                        if wasQuoted, problem == nil { problem = "text after a closing quote (field \(fields.count + 1))" }
                        field.append(b)
                    }
                }
                if field.count > maxField, problem == nil { problem = "field \(fields.count + 1) is longer than \(maxField) bytes" }
                if fields.count > maxFields, problem == nil { problem = "more than \(maxFields) fields" }
                if problem != nil, field.count > maxField { field.removeAll(keepingCapacity: true) }
            }
            if quoted, problem == nil { problem = "a quoted field is not closed" }
            fields.append(field)
            if fields.count == 1 && fields[0].isEmpty && problem == nil { continue }   // a blank line
            var texts: [String] = []
            for f in fields where problem == nil {
                guard let s = String(validating: f, as: UTF8.self) else { problem = "field \(texts.count + 1) is not UTF-8"; break }
                texts.append(s)
            }
            rows.append(Row(number: number, fields: problem == nil ? texts : [], problem: problem))
        }
        return rows
    }
}
