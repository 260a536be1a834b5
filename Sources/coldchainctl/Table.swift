import ColdChain

/// Plain text tables for the technician: columns padded to their widest cell, no colours, no box drawing.
struct Table {
    var header: [String]
    var rows: [[String]] = []

    init(_ header: [String]) { self.header = header }

    /// Cells come from the daemon, and through it from barcodes and the platform: each is escaped whole (a
    /// newline in a cell must not forge a row, an escape sequence must not reach the terminal).
    mutating func add(_ row: [String]) { rows.append(row.map(\.escapedForTerminal)) }

    var text: String {
        let all = [header] + rows
        var widths = [Int](repeating: 0, count: header.count)
        // Display columns, not characters: a Chinese name is two columns a character.
        for r in all { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.displayWidth) } }
        return all.map { r in
            r.enumerated().map { i, c in i == r.count - 1 ? c : c.padded(toColumns: widths[i]) }
                .joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
