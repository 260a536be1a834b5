import Foundation
import Testing
import TestSupport

/// The systemd units are hardened as the issues ask: `systemd-analyze security --offline` scores each at most 2.0
/// (exposure, lower is better), and `--threshold` makes a higher score fail.
@Suite struct UnitFileTests {
    @Test(arguments: ["coldchaind.service", "coldchain-web.service"])
    func exposureIsAtMostTwo(unit: String) async throws {
        let path = packageRoot() + "/systemd/" + unit
        let r = try await offPool { shell("systemd-analyze security --offline=yes --threshold=20 \(path) 2>&1") }
        #expect(r.status == 0, "\(unit): \(r.output.suffix(600))")
        let score = r.output.split(separator: "\n").last { $0.contains("Overall exposure level") }
        #expect(score != nil, "\(r.output.suffix(300))")
        print("\(unit): \(score.map(String.init) ?? "?")")
    }
}
