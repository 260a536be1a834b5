/// Text in HTML and SVG: the five characters that mean markup, and control characters as visible escapes.
public enum HTML {
    public static func escape(_ s: String) -> String {
        var out = ""
        for ch in s.escapedForTerminal {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }
}
