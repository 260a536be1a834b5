/// Output a person reads is wrapped at 80 columns, its further lines indented: a phrase a test looks for may run
/// across a line break. This is the text with every line break and the indentation after it as one space.
extension String {
    public var unwrapped: String {
        var out = "", pendingSpace = false, atBreak = false
        for ch in self {
            if ch == "\n" { pendingSpace = true; atBreak = true; continue }
            if atBreak && ch == " " { continue }
            atBreak = false
            if pendingSpace { if !out.hasSuffix(" ") { out.append(" ") }; pendingSpace = false }
            out.append(ch)
        }
        return out
    }
}
