import ColdChain
import Foundation
import Glibc
import POSIX
import Testing
import TestSupport

/// What a technician sees in an 80×24 terminal: `status`, `fridges` and `watch` in a real tmux pane, against the
/// real daemon polling coldchain-sim, with Chinese fridge names and an open excursion and alarm. No line may wrap:
/// tmux joins the rows of a wrapped line (`capture-pane -J`), so a joined line wider than 80 columns wrapped.
@Suite(.serialized) struct TerminalTests {
    @Test func statusFridgesAndWatchFitAnEightyColumnPane() async throws {
        let dir = TempDir("cc-tmux")
        let port = Int.random(in: 27000...29999)
        writeSimulatorProfile(dir)
        // F2's door opens at once and it warms to 12 °C: an excursion (cause door) and its alarm within seconds.
        let scenario = dir.write("scenario.json5", """
            { units: [
                { unit: 1, humidity: 45, timeline: [ { at: "0s", c: 4.8 } ] },
                { unit: 2, humidity: 52, timeline: [ { at: "0s", c: 5 }, { at: "1s", c: 12 } ],
                  inputs: [ { at: "0.5s", address: 0, on: true } ] } ] }
            """)
        let config = dir.write("coldchaind.json5", """
            { gateway: { id: "gw-tmux", site: "示范社区卫生服务中心" }, storage: { path: "ledger.sqlite" },
              control: { socket: "control.sock" }, devices_dir: "devices",
              buses: [ { id: "sim", tcp: { host: "127.0.0.1", port: \(port) }, timeout: "300ms", gap: "0ms" } ],
              fridges: [
                { id: "F1", name: "接种台冰箱", alarm: { preset: "gsp", delay: "2s" },
                  sensors: [ { id: "F1-air", bus: "sim", unit: 1, profile: "generic-int16-x10", poll: "1s" } ] },
                { id: "F2", name: "冷藏室冰箱（二号）", alarm: { preset: "gsp", delay: "2s" },
                  sensors: [ { id: "F2-air", bus: "sim", unit: 2, profile: "generic-int16-x10", poll: "1s" } ] } ],
              inputs: [ { id: "F2-door", bus: "sim", unit: 2, table: "discrete", address: 0, kind: "door", fridge: "F2", poll: "1s" } ] }
            """)
        let sim = try Subprocess("coldchain-sim", ["--scenario", scenario, "--devices", dir.file("devices"), "--tcp", "127.0.0.1:\(port)"],
                                 outputDir: dir.path)
        defer { sim.signal(SIGTERM); _ = sim.wait(seconds: 5) }
        // Blocking waits go off the cooperative pool (two threads here): other tests' daemons need them.
        let daemon = try await offPool { try startDaemon(dir, config: config) }
        defer { daemon.signal(SIGTERM); _ = daemon.wait(seconds: 10) }
        let sock = dir.file("control.sock")
        let alarmed = try await offPool {
            poll(300, every: 100_000) { (try? run("coldchainctl", ["--socket", sock, "--json", "alarms"]))?.out.contains("\"excursion\"") == true }
        }
        #expect(alarmed, "no excursion alarm: \(daemon.stderr.suffix(2000))")

        // A pane of its own tmux server, 80×24, a plain shell whose PATH finds the built coldchainctl. tmux runs with
        // its output in a file, through our own posix_spawn and waitpid: its server outlives the client, a pipe to
        // it would never end, and Foundation's Process never saw the client exit (it stayed a zombie).
        let server = ["-L", "cc-\(getpid())-\(port)", "-f", "/dev/null"]
        let out = dir.file("tmux.out")
        func tmux(_ args: [String]) async -> (status: Int32, out: String) {
            (try? await offPool { Self.tmux(server + args, output: out) }) ?? (-1, "")
        }
        let bin = URL(fileURLWithPath: binaryPath("coldchainctl")).deletingLastPathComponent().path
        let started = await tmux(["new-session", "-d", "-x", "80", "-y", "24", "-s", "t", "env", "-i", "PATH=\(bin):/usr/bin:/bin", "HOME=\(dir.path)",
                            "TERM=tmux-256color", "COLDCHAIN_SOCKET=\(sock)", "LANG=C.UTF-8", "PS1=$ ", "bash", "--norc", "--noprofile"])
        #expect(started.status == 0, "\(started.out)")
        defer { _ = Self.tmux(server + ["kill-server"], output: out) }
        func type(_ keys: String...) async { _ = await tmux(["send-keys", "-t", "t"] + keys) }
        func pane(escapes: Bool = false) async -> String { await tmux(["capture-pane", "-p", "-J"] + (escapes ? ["-e"] : []) + ["-S", "-", "-t", "t"]).out }
        /// Waits up to 10 s for `text` in the pane; the pane as it was, when it never came.
        func expectShown(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
            for _ in 0..<100 {
                if await pane().contains(text) { return }
                try await Task.sleep(nanoseconds: 100_000_000)
            }
            let now = await pane()
            Issue.record("'\(text)' never shown: \(now)", sourceLocation: sourceLocation)
        }
        func wrapped(_ text: String) -> [String] {
            text.split(separator: "\n").map(String.init).filter { $0.replacing(/\u{1B}\[[0-9;]*m/, with: "").displayWidth > 80 }
        }

        await type("coldchainctl status; coldchainctl fridges; echo END-1", "Enter")
        try await expectShown("END-1")
        let tables = await pane()
        #expect(tables.contains("冷藏室冰箱（二号）") && tables.contains("excursion") && tables.contains("LAST 24 H"), "\(tables)")
        #expect(wrapped(tables).isEmpty, "lines wider than the pane: \(wrapped(tables))")

        // watch, coloured at a terminal: the state of an out-of-range reading in bold red.
        await type("clear", "Enter")
        await type("coldchainctl watch", "Enter")
        try await expectShown("°C HIGH")
        let coloured = await pane(escapes: true)
        // (tmux writes the attributes its own way: bold and red as one sequence or two.)
        #expect(coloured.contains("\u{1B}[1m\u{1B}[31m") || coloured.contains("\u{1B}[1;31m"), "no colour at a terminal: \(coloured)")
        #expect(wrapped(coloured).isEmpty, "\(wrapped(coloured))")
        await type("C-c")
        await type("clear", "Enter")
        // NO_COLOR (no-color.org): the same lines without escape codes.
        await type("NO_COLOR=1 coldchainctl watch", "Enter")
        try await expectShown("°C HIGH")
        let plain = await pane(escapes: true)
        #expect(!plain.contains("\u{1B}[31m") && !plain.contains("\u{1B}[1;31m"), "coloured despite NO_COLOR: \(plain)")
        await type("C-c")
    }

    /// One tmux command, its output in a file, through our own posix_spawn and waitpid (see above). Blocking.
    static func tmux(_ args: [String], output out: String) -> (status: Int32, out: String) {
        unlink(out)
        guard let p = try? ChildProcess(path: "/usr/bin/tmux", arguments: args, stdout: out, stderr: out) else { return (-1, "") }
        for _ in 0..<400 {
            if let status = p.poll() { return (status, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "") }
            usleep(50_000)
        }
        p.signal(SIGKILL)
        _ = p.wait()
        return (-1, "tmux \(args.first ?? "") did not finish")
    }
}
