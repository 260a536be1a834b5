import Foundation
import Glibc
import Testing
import TestSupport

/// coldchain-web's first step (issue 23): the overview over plain HTTP on loopback, from the real daemon through the
/// control socket, with the security headers on every answer and a hostile fridge name shown as text.
@Suite(.serialized) struct WebTests {
    /// One request with Python's urllib (a client we did not write): status, headers, body.
    static func fetch(_ url: String, method: String = "GET", body: String? = nil) -> (status: Int, headers: [String: String], body: String) {
        let script = """
            import json, sys, urllib.request, urllib.error
            req = urllib.request.Request(sys.argv[1], method=sys.argv[2], data=(sys.argv[3].encode() if len(sys.argv) > 3 else None))
            try:
                r = urllib.request.urlopen(req, timeout=10); status = r.status; h = dict(r.headers); b = r.read().decode()
            except urllib.error.HTTPError as e:
                status = e.code; h = dict(e.headers); b = e.read().decode()
            print(json.dumps({"status": status, "headers": h, "body": b}))
            """
        let args = [url, method] + (body.map { [$0] } ?? [])
        guard let p = try? Subprocess(absolute: "/usr/bin/python3", ["-c", script] + args, outputDir: NSTemporaryDirectory()),
              p.wait(seconds: 20) == 0,
              let o = try? JSONSerialization.jsonObject(with: Data(p.stdout.utf8)) as? [String: Any] else { return (-1, [:], "") }
        return (o["status"] as? Int ?? -1, o["headers"] as? [String: String] ?? [:], o["body"] as? String ?? "")
    }

    @Test func theOverviewComesThroughTheSocketWithItsHeadersAndEscapes() throws {
        let dir = TempDir("cc-web")
        let config = writeDaemonConfig(dir)
        let hostile = "<img src=x onerror=alert(1)>冷藏"
        let text = try String(contentsOfFile: config, encoding: .utf8).replacingOccurrences(of: #"name: "Fridge one""#, with: #"name: "\#(hostile)""#)
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        let daemon = try startDaemon(dir, config: config)
        defer { daemon.signal(SIGTERM); _ = daemon.wait(seconds: 10) }
        let port = Int.random(in: 30000...32000)
        let web = try Subprocess("coldchain-web", ["--listen", "127.0.0.1:\(port)", "--socket", dir.file("control.sock")], outputDir: dir.path)
        defer { web.signal(SIGTERM); _ = web.wait(seconds: 10) }
        for _ in 0..<100 where !web.stdout.contains("listening") { usleep(50_000) }
        #expect(web.stdout.contains("listening on http://127.0.0.1:\(port)/"), "\(web.stderr)")

        let page = Self.fetch("http://127.0.0.1:\(port)/")
        #expect(page.status == 200 && page.headers["Content-Type"] == "text/html; charset=utf-8", "\(page)")
        #expect(page.headers["Content-Security-Policy"]?.hasPrefix("default-src 'self'") == true && page.headers["X-Content-Type-Options"] == "nosniff")
        #expect(page.body.contains("&lt;img src=x onerror=alert(1)&gt;冷藏") && !page.body.contains("<img"), "\(page.body)")
        #expect(page.body.contains("E2E clinic") && !page.body.contains("<script") && !page.body.contains("style="))
        let css = Self.fetch("http://127.0.0.1:\(port)/static/app.css")
        #expect(css.status == 200 && css.headers["Content-Type"] == "text/css; charset=utf-8")
        // No path outside the pages; no method but GET and HEAD; both with the headers.
        for path in ["/../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/static/../../etc/passwd", "/nope"] {
            let r = Self.fetch("http://127.0.0.1:\(port)\(path)")
            #expect(r.status == 404 && r.headers["Content-Security-Policy"] != nil, "\(path): \(r.status)")
        }
        let post = Self.fetch("http://127.0.0.1:\(port)/", method: "POST", body: "x=1")
        #expect(post.status == 405, "\(post)")

        // The daemon gone: the page says so, not a hang or a blank.
        daemon.signal(SIGTERM)
        _ = daemon.wait(seconds: 10)
        let down = Self.fetch("http://127.0.0.1:\(port)/")
        #expect(down.status == 503 && down.body.contains("coldchaind is not reachable"), "\(down)")
        // SIGTERM stops it cleanly (its threads block the signal; the main thread waits for it).
        web.signal(SIGTERM)
        #expect(web.wait(seconds: 10) == 0, "\(web.stderr)")
    }

    @Test func plainHTTPOnlyOnLoopback() throws {
        let r = try run("coldchain-web", ["--listen", "0.0.0.0:8080"])
        #expect(r.status == 64 && r.err.contains("plain HTTP is accepted only on a loopback address"), "\(r.err)")
        let bad = try run("coldchain-web", ["--listen", "127.0.0.1:99999"])
        #expect(bad.status == 64 && bad.err.contains("is not HOST:PORT"), "\(bad.err)")
    }
}
