import Foundation
@testable import Gateway
import Glibc
import Testing
import TestSupport

/// SMS tools and alarm_command as a hostile world runs them (hardening 2, findings 7 and 8).
@Suite struct ToolRunTests {
    /// A tool whose child hangs: at the time limit the whole process group is killed, the child included (before,
    /// one orphan per attempt outlived the daemon).
    @Test func aHungToolsChildrenAreKilledWithIt() async throws {
        let dir = TempDir("cc-toolrun")
        let pidFile = dir.file("child.pid")
        let script = dir.write("tool", "#!/bin/sh\nsleep 300 &\necho $! > \(pidFile)\nwait\n")
        chmod(script, 0o755)
        // Blocking, off the cooperative pool.
        let outcome = try await offPool { ToolRun.run(script, [], environment: ToolRun.environment(gateway: "gw"), timeLimit: 1) }
        #expect(outcome == .killed(after: 1))
        let pid = try #require(Int32((try String(contentsOfFile: pidFile, encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)))
        // Gone, or a zombie waiting for init to reap it: not a running orphan.
        var alive = false
        for _ in 0..<200 {
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            alive = !stat.isEmpty && !stat.contains(") Z ")
            if !alive { break }
            usleep(10_000)
        }
        #expect(!alive, "the tool's child \(pid) still runs")
    }

    /// 100 MB of output: the first 4 KiB are kept, the rest read and dropped, no file written anywhere (before, it
    /// went whole to a world-readable /tmp/coldchaind-tool-*.out and into memory).
    @Test func hugeOutputIsBoundedAndNeverOnDisk() async throws {
        let before = Set((try? FileManager.default.contentsOfDirectory(atPath: "/tmp")) ?? []).filter { $0.hasPrefix("coldchaind-tool-") }
        let outcome = try await offPool {
            ToolRun.run("/bin/sh", ["-c", "head -c 100000000 /dev/zero | tr '\\0' 'x'; echo tail >&2; exit 3"], environment: ToolRun.environment(gateway: "gw"), timeLimit: 60)
        }
        guard case .exited(3, let output) = outcome else { Issue.record("\(outcome)"); return }
        #expect(output.utf8.count == ToolRun.maxOutput && output.allSatisfy { $0 == "x" })
        let after = Set((try? FileManager.default.contentsOfDirectory(atPath: "/tmp")) ?? []).filter { $0.hasPrefix("coldchaind-tool-") }
        #expect(after.subtracting(before).isEmpty)
        // Output written after the tool's own exit by a child it left behind is not waited for.
        let quick = try await offPool {
            ToolRun.run("/bin/sh", ["-c", "echo done; (sleep 5; echo late) & exit 0"], environment: ToolRun.environment(gateway: "gw"), timeLimit: 60)
        }
        #expect(quick == .exited(0, output: "done"))
    }
}
