extension ParsedScan {
    /// The parse as recorded in `scan` events and shown by `coldchainctl decode --json`.
    public var json: JSONValue {
        var o: [String: JSONValue] = ["raw": .string(raw), "warnings": .array(warnings.map { .string($0) })]
        switch code {
        case .chineseDrug(let c, let p):
            o["kind"] = "chinese_drug_code"; o["code"] = .string(c); o["product_id"] = .string(p)
        case .retailEAN(let e):
            o["kind"] = "retail_ean"; o["ean"] = .string(e)
        case .command(let c):
            o["kind"] = "command"; o["command"] = .string(c.text)
        case .unrecognised(let why):
            o["kind"] = "unrecognised"; o["reason"] = .string(why)
        case .gs1(let g):
            o["kind"] = "gs1"; o["form"] = .string(g.form)
            if let s = g.symbology { o["symbology"] = .string(s) }
            if let v = g.gtin { o["gtin"] = .string(v) }
            if let v = g.expiry { o["expiry"] = .string(v.description) }
            if let v = g.lot { o["lot"] = .string(v) }
            if let v = g.serial { o["serial"] = .string(v) }
            o["elements"] = .array(g.elements.map { ["ai": .string($0.ai), "value": .string($0.value)] })
        }
        if let k = doseKey { o["dose"] = .string(k) }
        if let p = product { o["product"] = .string(p) }
        return .object(o)
    }

    /// Lines for a person: what the scanner read and what it means.
    public var description: [String] {
        var lines: [String] = []
        switch code {
        case .chineseDrug(let c, let p):
            lines += ["kind      Chinese drug traceability code (20 digits)", "code      \(c)", "product   \(p) (first 7 digits)"]
        case .retailEAN(let e): lines += ["kind      retail barcode (EAN-13), not a traceability code", "EAN       \(e)"]
        case .command(let c): lines += ["kind      command card", "command   \(c.text)"]
        case .unrecognised(let why): lines += ["kind      unrecognised", "why       \(why)"]
        case .gs1(let g):
            lines.append("kind      GS1 \(g.form)" + (g.symbology.map { " (symbology \($0))" } ?? ""))
            if let v = g.gtin { lines.append("GTIN      \(v) (check digit ok)") }
            if let v = g.expiry { lines.append("expiry    \(v)") }
            if let v = g.lot { lines.append("lot       \(v)") }
            if let v = g.serial { lines.append("serial    \(v)") }
            for e in g.elements where !["01", "17", "10", "21"].contains(e.ai) { lines.append("(\(e.ai))".padding(10) + e.value) }
        }
        if let k = doseKey { lines.append("dose      \(k)") }
        lines.append("raw       \(raw)")
        for w in warnings { lines.append("warning   \(w)") }
        return lines
    }
}

extension String {
    /// Padded with spaces to `n` characters for a column; a longer text keeps one space after it.
    public func padding(_ n: Int) -> String { count >= n ? self + " " : self + String(repeating: " ", count: n - count) }
}
