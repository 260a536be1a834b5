/// Code 128, code set B (ASCII 32–126): the symbology of the command cards, drawn by our own code (a clinic prints
/// the page; nothing is fetched or installed for it). ISO/IEC 15417.
public enum Code128 {
    /// Bar and space widths, in modules, of symbol values 0–105 (each six elements summing to 11), then the stop
    /// (seven, summing to 13). ISO/IEC 15417 table 1.
    static let patterns = [
        "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212", "221213",
        "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221", "223211", "221132",
        "221231", "213212", "223112", "312131", "311222", "321122", "321221", "312212", "322112", "322211",
        "212123", "212321", "232121", "111323", "131123", "131321", "112313", "132113", "132311", "211313",
        "231113", "231311", "112133", "112331", "132131", "113123", "113321", "133121", "313121", "211331",
        "231131", "213113", "213311", "213131", "311123", "311321", "331121", "312113", "312311", "332111",
        "314111", "221411", "431111", "111224", "111422", "121124", "121421", "141122", "141221", "112214",
        "112412", "122114", "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111",
        "111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
        "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311", "113141",
        "114131", "311141", "411131", "211412", "211214", "211232", "2331112",
    ]
    static let startB = 104, stop = 106

    /// The symbol values of `text` in code set B: start B, the characters, the checksum, stop. Nil when a
    /// character is outside ASCII 32–126, or the text is empty or longer than 80 (a card, not a document).
    public static func values(_ text: String) -> [Int]? {
        guard !text.isEmpty, text.unicodeScalars.count <= 80 else { return nil }
        var values = [startB]
        for s in text.unicodeScalars {
            guard (32...126).contains(s.value) else { return nil }
            values.append(Int(s.value) - 32)
        }
        let sum = values.enumerated().reduce(0) { $0 + ($1.offset == 0 ? $1.element : $1.element * $1.offset) }
        return values + [sum % 103, stop]
    }

    /// Element widths in modules, bar first, alternating bar and space: what a renderer draws.
    public static func widths(_ text: String) -> [Int]? {
        values(text)?.flatMap { v in patterns[v].compactMap { Int(String($0)) } }
    }
}
