import Foundation
import Storage
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

    /// The settings each found by booting the package under a real systemd (issue 32), read from the unit files as
    /// systemd would: each key's values, in order.
    static func settings(_ unit: String) throws -> [String: [String]] {
        let text = try String(contentsOfFile: packageRoot() + "/systemd/" + unit, encoding: .utf8)
        var found: [String: [String]] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.hasPrefix("[") {
            guard let eq = line.firstIndex(of: "=") else { continue }
            found[String(line[..<eq]), default: []].append(String(line[line.index(after: eq)...]))
        }
        return found
    }

    @Test func configErrorsAreSeenByTheRestartPolicy() throws {
        let s = try Self.settings("coldchaind.service")
        // An ExecStartPre= check's exit status is not the main process's: RestartPreventExitStatus= never saw its 78,
        // and the unit restarted every 5.2 s forever.
        #expect(s["ExecStartPre"] == nil)
        #expect(s["RestartPreventExitStatus"] == ["78"])
        #expect(try Self.settings("coldchain-web.service")["RestartPreventExitStatus"] == ["64 78"])
    }

    @Test func theBackupPlacesAreWritableUnderTheUnit() throws {
        let s = try Self.settings("coldchaind.service")
        #expect(s["ProtectSystem"] == ["strict"])
        let places = (s["ReadWritePaths"] ?? []).flatMap { $0.split(separator: " ") }.map { String($0.drop { $0 == "-" }) }
        #expect(places == BackupTarget.unitWritablePlaces, "the unit's ReadWritePaths= and what --check-config knows of it differ")
    }

    @Test(arguments: ["coldchaind.service", "coldchain-web.service"])
    func theRuntimeMayRenice(unit: String) throws {
        let s = try Self.settings(unit)
        // After the deny list that holds it (@resources): the last word on setpriority.
        let filters = s["SystemCallFilter"] ?? []
        let deny = filters.lastIndex { $0.hasPrefix("~") && $0.contains("@resources") }
        let allow = filters.lastIndex { $0 == "setpriority" }
        #expect(deny != nil && allow != nil && allow! > deny!, "\(filters)")
        #expect(s["LimitNICE"] == ["-4"])
    }
}
