import Foundation
import Glibc
import Testing
import TestSupport

/// coldchain-web's first step (issue 23): the overview over plain HTTP on loopback, from the real daemon through the
/// control socket, with the security headers on every answer and a hostile fridge name shown as text.
@Suite(.serialized) struct WebTests {
    /// One request with Python's urllib (a client we did not write): status, headers, body.
    /// `ca`: a certificate to trust (TLS); an HTTPS answer from a server it does not vouch for is status -2.
    static func fetch(_ url: String, method: String = "GET", body: String? = nil, ca: String? = nil) -> (status: Int, headers: [String: String], body: String) {
        let script = """
            import json, ssl, sys, urllib.request, urllib.error
            ctx = ssl.create_default_context(cafile=sys.argv[3]) if sys.argv[3] else None
            req = urllib.request.Request(sys.argv[1], method=sys.argv[2], data=(sys.argv[4].encode() if len(sys.argv) > 4 else None))
            try:
                r = urllib.request.urlopen(req, timeout=10, context=ctx); status = r.status; h = dict(r.headers); b = r.read().decode()
            except urllib.error.URLError as e:
                if not isinstance(e, urllib.error.HTTPError): print(json.dumps({"status": -2, "headers": {}, "body": str(e.reason)})); sys.exit(0)
                status = e.code; h = dict(e.headers); b = e.read().decode()
            print(json.dumps({"status": status, "headers": h, "body": b}))
            """
        let args = [url, method, ca ?? ""] + (body.map { [$0] } ?? [])
        guard let p = try? Subprocess(absolute: "/usr/bin/python3", ["-c", script] + args, outputDir: NSTemporaryDirectory()),
              p.wait(seconds: 20) == 0,
              let o = try? JSONSerialization.jsonObject(with: Data(p.stdout.utf8)) as? [String: Any] else { return (-1, [:], "") }
        return (o["status"] as? Int ?? -1, o["headers"] as? [String: String] ?? [:], o["body"] as? String ?? "")
    }

    /// coldchaind on `config` in `dir`, and coldchain-web in front of it on a loopback port, listening.
    static func start(_ dir: TempDir, config: String) async throws -> (daemon: Subprocess, web: Subprocess, port: Int) {
        let daemon = try await offPool { try startDaemon(dir, config: config) }
        let port = Int.random(in: 30000...32000)
        let web = try Subprocess("coldchain-web", ["--listen", "127.0.0.1:\(port)", "--socket", dir.file("control.sock")], outputDir: dir.path)
        _ = try await offPool { poll(100, every: 50_000) { web.stdout.contains("listening") } }
        return (daemon, web, port)
    }

    @Test func theOverviewComesThroughTheSocketWithItsHeadersAndEscapes() async throws {
        let dir = TempDir("cc-web")
        let config = writeDaemonConfig(dir)
        let hostile = "<img src=x onerror=alert(1)>冷藏"
        let text = try String(contentsOfFile: config, encoding: .utf8).replacingOccurrences(of: #"name: "Fridge one""#, with: #"name: "\#(hostile)""#)
        try text.write(toFile: config, atomically: true, encoding: .utf8)
        let (daemon, web, port) = try await Self.start(dir, config: config)
        defer { daemon.signal(SIGTERM); _ = daemon.wait(seconds: 10); web.signal(SIGTERM); _ = web.wait(seconds: 10) }
        #expect(web.stdout.contains("listening on http://127.0.0.1:\(port)/"), "\(web.stderr)")

        let page = try await offPool { Self.fetch("http://127.0.0.1:\(port)/") }
        #expect(page.status == 200 && page.headers["Content-Type"] == "text/html; charset=utf-8", "\(page)")
        #expect(page.headers["Content-Security-Policy"]?.hasPrefix("default-src 'self'") == true && page.headers["X-Content-Type-Options"] == "nosniff")
        #expect(page.body.contains("&lt;img src=x onerror=alert(1)&gt;冷藏") && !page.body.contains("<img"), "\(page.body)")
        #expect(page.body.contains("E2E clinic") && !page.body.contains("<script") && !page.body.contains("style="))
        let css = try await offPool { Self.fetch("http://127.0.0.1:\(port)/static/app.css") }
        #expect(css.status == 200 && css.headers["Content-Type"] == "text/css; charset=utf-8")
        // No path outside the pages; no method but GET and HEAD; both with the headers.
        for path in ["/../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/static/../../etc/passwd", "/nope"] {
            let r = try await offPool { Self.fetch("http://127.0.0.1:\(port)\(path)") }
            #expect(r.status == 404 && r.headers["Content-Security-Policy"] != nil, "\(path): \(r.status)")
        }
        let post = try await offPool { Self.fetch("http://127.0.0.1:\(port)/", method: "POST", body: "x=1") }
        #expect(post.status == 405, "\(post)")

        // The daemon gone: the page says so, not a hang or a blank.
        daemon.signal(SIGTERM)
        _ = try await offPool { daemon.wait(seconds: 10) }
        let down = try await offPool { Self.fetch("http://127.0.0.1:\(port)/") }
        #expect(down.status == 503 && down.body.contains("coldchaind is not reachable"), "\(down)")
        // SIGTERM stops it cleanly (its threads block the signal; the main thread waits for it).
        web.signal(SIGTERM)
        let exit = try await offPool { web.wait(seconds: 10) }
        #expect(exit == 0, "\(web.stderr)")
    }

    /// TLS from a pair `--make-cert` made with openssl: the page over HTTPS to a client that trusts that
    /// certificate, refused by one that does not; the key 0600; an existing pair kept; a symlinked key refused.
    @Test func tlsFromAMadeCertificate() async throws {
        let dir = TempDir("cc-web-tls")
        let made = try await offPool { try run("coldchain-web", ["--make-cert", dir.path, "--host", "127.0.0.1"]) }
        #expect(made.status == 0 && made.out.contains("cert.pem"), "\(made.err)")
        var st = stat()
        #expect(stat(dir.file("key.pem"), &st) == 0 && st.st_mode & 0o777 == 0o600)
        let again = try await offPool { try run("coldchain-web", ["--make-cert", dir.path]) }
        #expect(again.status == 73 && again.err.contains("not overwritten"), "\(again.err)")

        let daemonDir = TempDir("cc-web-tls-daemon")
        let config = writeDaemonConfig(daemonDir)
        let daemon = try await offPool { try startDaemon(daemonDir, config: config) }
        defer { daemon.signal(SIGTERM); _ = daemon.wait(seconds: 10) }
        let port = Int.random(in: 30000...32000)
        let web = try Subprocess("coldchain-web", ["--listen", "127.0.0.1:\(port)", "--cert", dir.file("cert.pem"), "--key", dir.file("key.pem"),
                                                   "--socket", daemonDir.file("control.sock")], outputDir: dir.path)
        defer { web.signal(SIGTERM); _ = web.wait(seconds: 10) }
        _ = try await offPool { poll(100, every: 50_000) { web.stdout.contains("listening") } }
        #expect(web.stdout.contains("listening on https://127.0.0.1:\(port)/"), "\(web.stderr)")
        let page = try await offPool { Self.fetch("https://127.0.0.1:\(port)/", ca: dir.file("cert.pem")) }
        #expect(page.status == 200 && page.body.contains("E2E clinic"), "\(page)")
        let untrusted = try await offPool { Self.fetch("https://127.0.0.1:\(port)/") }
        #expect(untrusted.status == -2 && untrusted.body.contains("CERTIFICATE_VERIFY_FAILED"), "\(untrusted)")

        symlink(dir.file("key.pem"), dir.file("linked-key.pem"))
        let linked = try await offPool { try run("coldchain-web", ["--listen", "127.0.0.1:0", "--cert", dir.file("cert.pem"), "--key", dir.file("linked-key.pem")]) }
        #expect(linked.status == 64 && linked.err.contains("is not a regular file (a symlink is not followed)"), "\(linked.err)")
        let half = try await offPool { try run("coldchain-web", ["--cert", dir.file("cert.pem")]) }
        #expect(half.status == 64 && half.err.contains("--cert and --key go together"), "\(half.err)")
    }

    /// The attack list: a 100 MB body, Content-Length with Transfer-Encoding, 20 KiB of headers, a raw `../` path,
    /// a slowloris request, 1,000 connections at once (Tests/Interop/web_attacks.py, raw sockets). Each gets a
    /// clean refusal or is held to the limits, the server answers a plain request after each, and its resident
    /// memory stays under 32 MB.
    @Test func hostileClientsGetCleanRefusalsAndTheProcessStaysSmall() async throws {
        let dir = TempDir("cc-web-attacks")
        let config = writeDaemonConfig(dir)
        let (daemon, web, port) = try await Self.start(dir, config: config)
        defer { daemon.signal(SIGTERM); _ = daemon.wait(seconds: 10); web.signal(SIGTERM); _ = web.wait(seconds: 10) }
        let pid = web.pid
        let r = try await offPool { shell("python3 \(packageRoot())/Tests/Interop/web_attacks.py \(port) \(pid) 2>&1") }
        print("web attacks: \(r.output)")
        guard let o = try JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Any] else { Issue.record("\(r.output)"); return }
        func part(_ k: String) -> [String: Any] { o[k] as? [String: Any] ?? [:] }
        #expect(part("big_body")["answer"] as? String == "HTTP/1.1 405 Method Not Allowed" && part("big_body")["healthy_after"] as? Bool == true, "\(part("big_body"))")
        #expect((part("big_body")["sent_mb"] as? Double ?? 100) < 100, "the body was not read to its end")
        #expect((part("smuggling")["answer"] as? String)?.hasPrefix("HTTP/1.1 4") == true && part("smuggling")["healthy_after"] as? Bool == true)
        #expect(part("big_headers")["answer"] as? String == "HTTP/1.1 431 Request Header Fields Too Large" && part("big_headers")["healthy_after"] as? Bool == true)
        #expect(part("traversal")["answer"] as? String == "HTTP/1.1 404 Not Found")
        #expect(part("slowloris")["others_served_meanwhile"] as? Bool == true)
        #expect(part("thousand")["healthy_after"] as? Bool == true, "\(part("thousand"))")
        #expect((o["peak_rss_kib"] as? Int ?? Int.max) < 32 * 1024, "resident memory: \(o["peak_rss_kib"] ?? "?") KiB")
        // One line in the log for the whole flood (libmicrohttpd's error log wrote one per refused connection).
        #expect(web.stderr.split(separator: "\n").count < 5, "\(web.stderr.prefix(500))")
    }

    @Test func plainHTTPOnlyOnLoopback() async throws {
        let r = try await offPool { try run("coldchain-web", ["--listen", "0.0.0.0:8080"]) }
        #expect(r.status == 64 && r.err.contains("plain HTTP is accepted only on a loopback address"), "\(r.err)")
        let bad = try await offPool { try run("coldchain-web", ["--listen", "127.0.0.1:99999"]) }
        #expect(bad.status == 64 && bad.err.contains("is not HOST:PORT"), "\(bad.err)")
    }
}
