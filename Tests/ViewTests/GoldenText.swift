import ColdChain
import Foundation
import Testing
import TestSupport
@testable import CtlProgram

/// Renders as coldchainctl would in a UTC+8 clinic at 2026-12-02 15:10 local, into a capture.
func rendered(width: Int? = 80, colour: Bool = false, _ body: () throws -> Void) rethrows -> String {
    let capture = Presentation.Capture()
    var p = Presentation()
    p.width = width
    p.colour = colour
    p.calendar = .fixed(hours: 8)
    p.now = { Date(timeIntervalSince1970: 1_796_195_400) }   // 2026-12-02T07:10:00Z
    p.capture = capture
    try Presentation.$current.withValue(p) { try body() }
    return capture.output + capture.errorOutput
}

/// A reply as the daemon sent it (saved from a demo run with Chinese names: Tests/ViewTests/Replies).
func reply<T: Decodable>(_ name: String, as: T.Type) throws -> T {
    let data = try Data(contentsOf: URL(fileURLWithPath: packageRoot() + "/Tests/ViewTests/Replies/\(name).json"))
    return try JSONDecoder().decode(T.self, from: data)
}

/// Compares `text` with Tests/ViewTests/Golden/NAME.txt, and checks every line fits `width` display columns.
/// `COLDCHAIN_WRITE_GOLDEN=1` writes the file instead (then read it, and commit it only if it is right).
func expectGolden(_ name: String, _ text: String, width: Int = 80, sourceLocation: SourceLocation = #_sourceLocation) {
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) where String(line).displayWidth > width {
        Issue.record("\(name): a line of \(String(line).displayWidth) columns: \(line)", sourceLocation: sourceLocation)
    }
    let path = packageRoot() + "/Tests/ViewTests/Golden/\(name).txt"
    if ProcessInfo.processInfo.environment["COLDCHAIN_WRITE_GOLDEN"] == "1" {
        try? text.write(toFile: path, atomically: true, encoding: .utf8)
        return
    }
    guard let golden = try? String(contentsOfFile: path, encoding: .utf8) else {
        Issue.record("\(name): no golden text at \(path) (COLDCHAIN_WRITE_GOLDEN=1 writes it)", sourceLocation: sourceLocation)
        return
    }
    if golden != text {
        let a = golden.split(separator: "\n", omittingEmptySubsequences: false), b = text.split(separator: "\n", omittingEmptySubsequences: false)
        let first = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
        Issue.record("""
            \(name) differs from its golden text at line \(first + 1):
            golden: \(first < a.count ? String(a[first]) : "(end)")
            now:    \(first < b.count ? String(b[first]) : "(end)")
            whole output:
            \(text)
            """, sourceLocation: sourceLocation)
    }
}
