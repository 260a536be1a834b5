import Glibc
import POSIX

/// `coldchain-bench web`: coldchain-web measured in Debian's headless Chromium (Selenium) and under live clients, by
/// Tests/Interop/web_bench.py, which runs the site (a pymodbus probe per fridge, coldchaind, coldchain-web over TLS)
/// from this folder's binaries. The browser's side has no Swift driver; the figures are the script's.
enum WebBench {
    static func run(clients: Int, seconds: Int, scans: Int, script: String) -> Int32 {
        guard (1...56).contains(clients), (5...3600).contains(seconds), (1...1000).contains(scans) else {
            print("web bench: --clients 1...56 (the server's live-page bound), --seconds 5...3600, --scans 1...1000")
            return 64
        }
        guard access(script, R_OK) == 0 else { print("web bench: \(script) not found (run from the package's folder, or give --script)"); return 66 }
        let bin = executableDirectory() ?? "."
        let dir = "/tmp/coldchain-web-bench-\(getpid())"
        mkdir(dir, 0o755)
        defer { _ = try? ChildProcess(path: "/bin/rm", arguments: ["-rf", dir]).wait() }
        // Selenium and pymodbus live in the tests' virtual environment (.ci/install-deps).
        let python = access(".build/pyvenv/bin/python", X_OK) == 0 ? ".build/pyvenv/bin/python" : "/usr/bin/python3"
        do {
            let child = try ChildProcess(path: python, arguments: [script, bin, dir, String(clients), String(seconds), String(scans)])
            return child.wait()
        } catch {
            print("web bench failed: \(error)")
            return 70
        }
    }
}
