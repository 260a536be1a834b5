import ColdChain

/// Plain text tables for the technician: columns padded to their widest cell, no colours, no box drawing, and in
/// 80 display columns unless `--wide` asks for everything (`alarms` was 127 columns, `excursions` 125).
///
/// To fit, a table first leaves out its `optional` columns (in the order given, and says which, and that `--wide`
/// shows them), then wraps its `wrapping` columns (free text: a note, a cause, a name) at spaces within their
/// column, a wrapped row taking more lines.
struct Table {
    var header: [String]
    var rows: [[String]] = []
    /// Free-text columns, by title, that may wrap.
    var wrapping: Set<String>
    /// Columns, by title, left out first when the table is too wide.
    var optional: [String]
    /// The narrowest a wrapping column goes (or its title, if wider).
    var minimumWrap: Int
    /// Lines under a row, across the table from its second column: a record sheet day's events.
    var notes: [Int: [String]] = [:]

    init(_ header: [String], wrap: [String] = [], optional: [String] = [], minimumWrap: Int = 12) {
        self.header = header
        self.wrapping = Set(wrap)
        self.optional = optional
        self.minimumWrap = minimumWrap
    }

    /// Cells come from the daemon, and through it from barcodes and the platform: each is escaped whole (a
    /// newline in a cell must not forge a row, an escape sequence must not reach the terminal).
    mutating func add(_ row: [String]) { rows.append(row.map(\.escapedForTerminal)) }

    /// A line of text under the last row added (after any before it), wrapped across the table.
    mutating func note(_ text: String) {
        guard !rows.isEmpty else { return }
        notes[rows.count - 1, default: []].append(text.escapedForTerminal)
    }

    var text: String { render(width: Presentation.current.width) }

    /// The table in at most `width` display columns where it can be (a table of only fixed columns wider than that
    /// is printed as it is), or as wide as it is when `width` is nil.
    func render(width: Int?) -> String {
        var columns = Array(header.indices)
        var natural = naturalWidths()
        func total(_ cols: [Int], _ widths: [Int]) -> Int { cols.map { widths[$0] }.reduce(0, +) + 2 * max(0, cols.count - 1) }
        var left: [String] = []
        if let width {
            for title in optional where total(columns, natural) > width {
                guard let i = header.firstIndex(of: title), let at = columns.firstIndex(of: i) else { continue }
                // Only when wrapping cannot make it fit on its own.
                if fitsByWrapping(columns, natural, width) { break }
                columns.remove(at: at)
                left.append(title)
            }
            let over = total(columns, natural) - width
            if over > 0 {
                // Take the excess from the wrapping columns, widest first, none below 12 columns (or its title).
                var excess = over
                while excess > 0 {
                    let candidates = columns.filter { wrapping.contains(header[$0]) && natural[$0] > floor($0) }
                    guard let widest = candidates.max(by: { natural[$0] < natural[$1] }) else { break }
                    natural[widest] -= 1
                    excess -= 1
                }
            }
        }
        var lines: [String] = []
        for (r, row) in ([header] + rows).enumerated() {
            // Each cell as lines in its column's width; the row takes as many lines as its tallest cell. A title's
            // lines are its own (`日期\nDate`: Chinese above, English beneath).
            let cells: [[String]] = columns.map { i in
                let c = i < row.count ? row[i] : ""
                if r == 0 { return c.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) }
                return c.displayWidth > natural[i] ? Self.wrap(c, width: natural[i]) : [c]
            }
            let height = cells.map(\.count).max() ?? 1
            for k in 0..<height {
                var parts: [String] = []
                for (n, i) in columns.enumerated() {
                    let c = k < cells[n].count ? cells[n][k] : ""
                    parts.append(n == columns.count - 1 ? c : c.padded(toColumns: natural[i]))
                }
                var line = parts.joined(separator: "  ")
                while line.hasSuffix(" ") { line.removeLast() }
                lines.append(line)
            }
            if r > 0, let first = columns.first {
                let indent = natural[first] + 2
                let room = max(20, (width ?? max(80, total(columns, natural))) - indent)
                for note in notes[r - 1] ?? [] { lines += Self.wrap(note, width: room).map { String(repeating: " ", count: indent) + $0 } }
            }
        }
        if !left.isEmpty {
            lines.append("(\(left.joined(separator: ", ")) left out to fit 80 columns: --wide shows \(left.count == 1 ? "it" : "them"))")
        }
        return lines.joined(separator: "\n")
    }

    private func naturalWidths() -> [Int] {
        var widths = [Int](repeating: 0, count: header.count)
        // Display columns, not characters: a Chinese name is two columns a character.
        for r in rows { for (i, c) in r.enumerated() where i < widths.count { widths[i] = max(widths[i], c.displayWidth) } }
        for (i, title) in header.enumerated() { widths[i] = max(widths[i], Self.titleWidth(title)) }
        return widths
    }

    /// The narrowest a wrapping column goes: `minimumWrap` columns, or its title.
    private func floor(_ i: Int) -> Int { max(Self.titleWidth(header[i]), minimumWrap) }

    /// A title's width: its widest line.
    static func titleWidth(_ title: String) -> Int { title.split(separator: "\n").map { String($0).displayWidth }.max() ?? 0 }

    private func fitsByWrapping(_ columns: [Int], _ widths: [Int], _ width: Int) -> Bool {
        let least = columns.map { wrapping.contains(header[$0]) ? min(widths[$0], floor($0)) : widths[$0] }.reduce(0, +)
        return least + 2 * max(0, columns.count - 1) <= width
    }

    /// `text` in lines of at most `width` display columns: cut at spaces, and a word longer than a line cut where
    /// it must (a dose code has no spaces).
    /// `taken`: columns of the first line already used (by a label before it).
    static func wrap(_ text: String, width: Int, taken: Int = 0) -> [String] {
        var lines: [String] = [], line = ""
        // The room on the line being filled: less on the first.
        var room: Int { lines.isEmpty ? max(1, width - taken) : width }
        for word in text.split(separator: " ") {
            var w = String(word)
            while w.displayWidth > room {
                if !line.isEmpty { lines.append(line); line = "" }
                var head = ""
                for ch in w { if (head + String(ch)).displayWidth > room { break }; head.append(ch) }
                if head.isEmpty, let first = w.first { head = String(first) }   // a character wider than the line
                lines.append(head)
                w = String(w.dropFirst(head.count))
            }
            if w.isEmpty { continue }
            if line.isEmpty { line = w } else if line.displayWidth + 1 + w.displayWidth <= room { line += " " + w } else { lines.append(line); line = w }
        }
        if !line.isEmpty || lines.isEmpty { lines.append(line) }
        return lines
    }
}
