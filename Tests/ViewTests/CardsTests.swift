import ColdChain
import Foundation
import Testing
import TestSupport
@testable import CtlProgram

/// `cards --html`: the command cards as Code 128 barcodes drawn by our code, rendered by Chromium and read back by
/// zbarimg (Debian's zbar-tools), every card's content exactly.
@Suite struct CardsTests {
    @Test func theCardsPageDecodesWithZbarimg() async throws {
        let cards = ScannerMode.allCases.map { ScannerCommand.mode($0) } + [ScannerCommand.fridge("F1"), .fridge("F2-desk")]
        let dir = TempDir("cc-cards")
        let page = dir.write("cards.html", CardsPage.html(cards, fridgeNames: ["F1": "接种台冰箱"]))
        let png = dir.file("cards.png")
        let shot = try await offPool { shell("chromium --headless=new --no-sandbox --disable-gpu --no-first-run --hide-scrollbars --window-size=800,1400 --screenshot=\(png) file://\(page) 2>&1") }
        #expect(shot.status == 0, "\(shot.output)")
        let read = try await offPool { shell("zbarimg --quiet --raw -Sdisable -Scode128.enable \(png) 2>/dev/null") }
        let decoded = Set(read.output.split(separator: "\n").map(String.init))
        #expect(decoded == Set(cards.map(\.text)), "zbarimg read: \(read.output)")
        try? FileManager.default.createDirectory(atPath: packageRoot() + "/.build/artefacts", withIntermediateDirectories: true)
        _ = shell("cp \(png) \(packageRoot())/.build/artefacts/cards.png")
    }

    /// The symbols and checksum of "PJJ123C": start B 104, values 48 42 42 17 18 19 35, checksum
    /// (104 + 48·1 + 42·2 + 42·3 + 17·4 + 18·5 + 19·6 + 35·7) mod 103 = 879 mod 103 = 55 (zbarimg, above, checks it too).
    @Test func theSymbolValuesAndChecksum() {
        #expect(Code128.values("PJJ123C") == [104, 48, 42, 42, 17, 18, 19, 35, 55, 106])
        #expect(Code128.values("中文") == nil && Code128.values("") == nil && Code128.values("a\u{1}") == nil)
        #expect(Code128.widths("A")?.reduce(0, +) == 11 * 3 + 13)
    }
}
