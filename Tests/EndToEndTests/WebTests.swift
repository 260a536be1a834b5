import Foundation
import Glibc
import Testing
import TestSupport

/// coldchain-web's first step (issue 23): the overview over plain HTTP on loopback, from the real daemon through the
/// control socket, with the security headers on every answer and a hostile fridge name shown as text.
@Suite(.serialized) struct WebTests {
    /// One request with Python's urllib (a client we did not write): status, headers, body. `jar`: a cookie file kept
    /// between requests (a session); `form`: fields posted as a browser's form (`csrf` from the jar's login form
    /// when it is "from-page"). Redirects are not followed (status 303 with its Location).
    /// `ca`: a certificate to trust (TLS); an HTTPS answer from a server it does not vouch for is status -2.
    static func fetch(_ url: String, method: String = "GET", form: [String: String]? = nil, jar: String? = nil,
                      ca: String? = nil) -> (status: Int, headers: [String: String], body: String) {
        let script = """
            import http.cookiejar, json, ssl, sys, urllib.parse, urllib.request, urllib.error
            url, method, ca, jar, form = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], json.loads(sys.argv[5])
            ctx = ssl.create_default_context(cafile=ca) if ca else None
            cookies = http.cookiejar.LWPCookieJar(jar) if jar else http.cookiejar.CookieJar()
            if jar:
                try: cookies.load(ignore_discard=True)
                except FileNotFoundError: pass
            class NoRedirect(urllib.request.HTTPRedirectHandler):
                def redirect_request(self, *a, **k): return None
            opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies), urllib.request.HTTPSHandler(context=ctx), NoRedirect)
            data = urllib.parse.urlencode(form).encode() if form is not None else None
            req = urllib.request.Request(url, method=method, data=data)
            try:
                r = opener.open(req, timeout=10); status = r.status; h = dict(r.headers); b = r.read().decode()
            except urllib.error.URLError as e:
                if not isinstance(e, urllib.error.HTTPError): print(json.dumps({"status": -2, "headers": {}, "body": str(e.reason)})); sys.exit(0)
                status = e.code; h = dict(e.headers); b = e.read().decode()
            if jar: cookies.save(ignore_discard=True)
            print(json.dumps({"status": status, "headers": h, "body": b}))
            """
        let formJSON = form.map { String(decoding: try! JSONSerialization.data(withJSONObject: $0), as: UTF8.self) } ?? "null"
        let args = [url, method, ca ?? "", jar ?? "", formJSON]
        guard let p = try? Subprocess(absolute: "/usr/bin/python3", ["-c", script] + args, outputDir: NSTemporaryDirectory()),
              p.wait(seconds: 20) == 0,
              let o = try? JSONSerialization.jsonObject(with: Data(p.stdout.utf8)) as? [String: Any] else { return (-1, [:], "") }
        return (o["status"] as? Int ?? -1, o["headers"] as? [String: String] ?? [:], o["body"] as? String ?? "")
    }

    /// Logs in as `name` through the login form (its CSRF token from the page), keeping the session in `jar`.
    static func login(_ base: String, _ name: String, _ password: String, jar: String, ca: String? = nil) -> (status: Int, headers: [String: String], body: String) {
        let page = fetch(base + "/login", jar: jar, ca: ca)
        guard let r = page.body.range(of: #"name="csrf" value=""#) else { return page }
        let token = String(page.body[r.upperBound...].prefix(64))
        return fetch(base + "/login", method: "POST", form: ["name": name, "password": password, "csrf": token], jar: jar, ca: ca)
    }

    /// Adds `name` with `role` to the user file in `dir` (the password on standard input, as a script would).
    static func addUser(_ dir: TempDir, _ name: String, role: String, password: String) {
        let r = shell("printf '%s\\n' '\(password)' | \(binaryPath("coldchain-web")) user add '\(name)' --role \(role) --users \(dir.file("users"))")
        #expect(r.status == 0, "\(r.output)")
    }

    /// coldchaind on `config` in `dir`, and coldchain-web in front of it on a loopback port, listening.
    static func start(_ dir: TempDir, config: String) async throws -> (daemon: Subprocess, web: Subprocess, port: Int) {
        let daemon = try await offPool { try startDaemon(dir, config: config) }
        let port = Int.random(in: 30000...32000)
        addUser(dir, "李明", role: "technician", password: "technician-1")
        let web = try Subprocess("coldchain-web", ["--listen", "127.0.0.1:\(port)", "--socket", dir.file("control.sock"), "--users", dir.file("users"),
                                                   "--cache", dir.path], outputDir: dir.path)
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

        let base = "http://127.0.0.1:\(port)", jar = dir.file("cookies")
        // Not logged in: the page sends the browser to the login form; what a script fetches is refused plainly.
        let away = try await offPool { Self.fetch(base + "/") }
        #expect(away.status == 303 && away.headers["Location"] == "/login", "\(away)")
        #expect(try await offPool { Self.fetch(base + "/?part=live") }.status == 401)
        let wrong = try await offPool { Self.login(base, "李明", "not-the-password", jar: jar) }
        #expect(wrong.status == 401 && wrong.body.contains("名字或密码不对"), "\(wrong)")
        // Five failures lock a name (known or not) for 15 minutes, the right password included; the daemon logs it.
        for i in 1...5 {
            let r = try await offPool { Self.login(base, "张三", "guess-\(i)", jar: jar) }
            #expect(r.body.contains(i < 5 ? "名字或密码不对" : "登录失败次数过多"), "attempt \(i): \(r.body.suffix(400))")
        }
        #expect(try await offPool { Self.login(base, "张三", "anything", jar: jar) }.body.contains("此名字已锁定到"))
        #expect(try await offPool { poll(100, every: 50_000) { daemon.stderr.contains("coldchain-web: login name '张三' locked for 15 min after 5 failed logins (last from 127.0.0.1)") } },
                "\(daemon.stderr.suffix(1000))")
        let login = try await offPool { Self.login(base, "李明", "technician-1", jar: jar) }
        #expect(login.status == 303 && login.headers["Set-Cookie"]?.contains("HttpOnly; SameSite=Strict") == true, "\(login)")
        let page = try await offPool { Self.fetch(base + "/", jar: jar) }
        #expect(page.status == 200 && page.headers["Content-Type"] == "text/html; charset=utf-8", "\(page)")
        #expect(page.headers["Content-Security-Policy"]?.hasPrefix("default-src 'self'") == true && page.headers["X-Content-Type-Options"] == "nosniff")
        #expect(page.body.contains("&lt;img src=x onerror=alert(1)&gt;冷藏") && !page.body.contains("<img"), "\(page.body)")
        #expect(page.body.contains("E2E clinic") && page.body.contains("李明") && !page.body.contains("<script>") && !page.body.contains("style="))
        let css = try await offPool { Self.fetch(base + "/static/app.css") }
        #expect(css.status == 200 && css.headers["Content-Type"] == "text/css; charset=utf-8")
        // No path outside the pages; no method but GET, HEAD and POST; each with the headers.
        for path in ["/../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/static/../../etc/passwd", "/nope", "/speech/../../etc/passwd"] {
            let r = try await offPool { Self.fetch(base + path, jar: jar) }
            #expect(r.status == 404 && r.headers["Content-Security-Policy"] != nil, "\(path): \(r.status)")
        }
        let put = try await offPool { Self.fetch(base + "/", method: "PUT", form: ["x": "1"], jar: jar) }
        #expect(put.status == 405, "\(put)")
        // A form without its CSRF token is refused, logged in or not.
        let forged = try await offPool { Self.fetch(base + "/alarms/ack", method: "POST", form: ["alarm": "1", "note": "x"], jar: jar) }
        #expect(forged.status == 403, "\(forged)")
        #expect(try await offPool { Self.fetch(base + "/alarms/ack", method: "POST", form: ["alarm": "1", "note": "x"]) }.status == 401)

        // The daemon gone: the page says so, not a hang or a blank.
        daemon.signal(SIGTERM)
        _ = try await offPool { daemon.wait(seconds: 10) }
        // (The pages share one status a second: the first may still be the last answer.)
        var down = try await offPool { Self.fetch(base + "/", jar: jar) }
        for _ in 0..<20 where down.status != 503 {
            try await Task.sleep(nanoseconds: 200_000_000)
            down = try await offPool { Self.fetch(base + "/", jar: jar) }
        }
        #expect(down.status == 503 && down.body.contains("无法连接 coldchaind：它在运行吗？"), "\(down)")
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
        Self.addUser(dir, "viewer", role: "viewer", password: "viewer-pass")
        let web = try Subprocess("coldchain-web", ["--listen", "127.0.0.1:\(port)", "--cert", dir.file("cert.pem"), "--key", dir.file("key.pem"),
                                                   "--socket", daemonDir.file("control.sock"), "--users", dir.file("users"), "--cache", dir.path],
                                 outputDir: dir.path)
        defer { web.signal(SIGTERM); _ = web.wait(seconds: 10) }
        _ = try await offPool { poll(100, every: 50_000) { web.stdout.contains("listening") } }
        #expect(web.stdout.contains("listening on https://127.0.0.1:\(port)/"), "\(web.stderr)")
        let login = try await offPool { Self.login("https://127.0.0.1:\(port)", "viewer", "viewer-pass", jar: dir.file("jar"), ca: dir.file("cert.pem")) }
        // Under TLS the session cookie is Secure too.
        #expect(login.status == 303 && login.headers["Set-Cookie"]?.contains("HttpOnly; SameSite=Strict; Secure") == true, "\(login)")
        let page = try await offPool { Self.fetch("https://127.0.0.1:\(port)/", jar: dir.file("jar"), ca: dir.file("cert.pem")) }
        #expect(page.status == 200 && page.body.contains("E2E clinic"), "\(page)")
        let untrusted = try await offPool { Self.fetch("https://127.0.0.1:\(port)/login") }
        #expect(untrusted.status == -2 && untrusted.body.contains("CERTIFICATE_VERIFY_FAILED"), "\(untrusted)")

        symlink(dir.file("key.pem"), dir.file("linked-key.pem"))
        let linked = try await offPool { try run("coldchain-web", ["--listen", "127.0.0.1:0", "--cert", dir.file("cert.pem"), "--key", dir.file("linked-key.pem")]) }
        // A file the site set up that cannot be used is EX_CONFIG (78): the unit stops on it instead of restarting.
        #expect(linked.status == 78 && linked.err.contains("is not a regular file (a symlink is not followed)"), "\(linked.err)")
        let half = try await offPool { try run("coldchain-web", ["--cert", dir.file("cert.pem")]) }
        #expect(half.status == 64 && half.err.contains("--cert and --key go together"), "\(half.err)")
    }

    /// The attack list: a 100 MB body (with a length, and chunked), Content-Length with Transfer-Encoding, 20 KiB of
    /// headers, a raw `../` path, a slowloris request (others served meanwhile; closed after the 30 s idle timeout),
    /// 1,000 connections at once (Tests/Interop/web_attacks.py, raw sockets). Each gets a
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
        #expect(part("big_body")["answer"] as? String == "HTTP/1.1 413 Content Too Large" && part("big_body")["healthy_after"] as? Bool == true, "\(part("big_body"))")
        #expect((part("big_body")["sent_mb"] as? Double ?? 100) < 100, "the body was not read to its end")
        // Chunked, so no length to refuse up front: the connection closes once 16 KiB have come, not after 100 MB.
        #expect(["closed", "reset", "HTTP/1.1 413 Content Too Large"].contains(part("big_chunked")["answer"] as? String ?? "?")
                && part("big_chunked")["healthy_after"] as? Bool == true, "\(part("big_chunked"))")
        #expect((part("big_chunked")["sent_mb"] as? Double ?? 100) < 100, "the chunked body was read to its end")
        #expect((part("smuggling")["answer"] as? String)?.hasPrefix("HTTP/1.1 4") == true && part("smuggling")["healthy_after"] as? Bool == true)
        #expect(part("big_headers")["answer"] as? String == "HTTP/1.1 431 Request Header Fields Too Large" && part("big_headers")["healthy_after"] as? Bool == true)
        #expect(part("traversal")["answer"] as? String == "HTTP/1.1 404 Not Found")
        #expect(part("slowloris")["others_served_meanwhile"] as? Bool == true && part("slowloris")["closed_by_server"] as? Bool == true, "\(part("slowloris"))")
        #expect(part("thousand")["healthy_after"] as? Bool == true, "\(part("thousand"))")
        #expect((o["peak_rss_kib"] as? Int ?? Int.max) < 32 * 1024, "resident memory: \(o["peak_rss_kib"] ?? "?") KiB")
        // One line in the log for the whole flood (libmicrohttpd's error log wrote one per refused connection).
        #expect(web.stderr.split(separator: "\n").count < 5, "\(web.stderr.prefix(500))")
    }

    /// The daemon and coldchain-web started in `dir`, and 李明 (technician) logged in over plain HTTP on loopback,
    /// the session in `jar`.
    static func loggedIn(_ dir: TempDir) async throws -> (daemon: Subprocess, web: Subprocess, base: String, jar: String) {
        let (daemon, web, port) = try await start(dir, config: writeDaemonConfig(dir))
        let base = "http://127.0.0.1:\(port)", jar = dir.file("jar")
        let login = try await offPool { Self.login(base, "李明", "technician-1", jar: jar) }
        #expect(login.status == 303, "\(login)")
        return (daemon, web, base, jar)
    }

    /// `coldchain-web user remove` (another process) ends the removed person's open session at its next request
    /// (hardening 3: a removed technician went on recording manual checks).
    @Test func aRemovedPersonIsLoggedOutAtOnce() async throws {
        let dir = TempDir("cc-web-remove")
        let (daemon, web, base, jar) = try await Self.loggedIn(dir)
        defer { daemon.signal(SIGTERM); _ = daemon.wait(seconds: 10); web.signal(SIGTERM); _ = web.wait(seconds: 10) }
        let before = try await offPool { Self.fetch(base + "/tools", jar: jar) }
        #expect(before.status == 200, "\(before.status)")
        let removed = try await offPool { shell("\(binaryPath("coldchain-web")) user remove 李明 --users \(dir.file("users")) 2>&1") }
        #expect(removed.status == 0, "\(removed.output)")
        let after = try await offPool { Self.fetch(base + "/tools", jar: jar) }
        #expect(after.status == 303 && after.headers["Location"] == "/login", "\(after.status) \(after.headers)")
    }

    /// HEAD /events opens no stream (hardening 3, finding 5: 61 HEADs as a viewer took all 56 live-page slots for
    /// good, and every live page then got 503 until a restart). 200 HEADs, then a live page opens.
    @Test func headRequestsTakeNoLivePageSlot() async throws {
        let dir = TempDir("cc-web-head")
        let (daemon, web, base, jar) = try await Self.loggedIn(dir)
        defer { daemon.signal(SIGTERM); _ = daemon.wait(seconds: 10); web.signal(SIGTERM); _ = web.wait(seconds: 10) }
        let port = base.split(separator: ":").last.map(String.init) ?? ""
        // One process for the 200 HEADs and the live page: the session cookie from the login's jar.
        let script = """
            import http.client, http.cookiejar, sys
            jar = http.cookiejar.LWPCookieJar(sys.argv[2]); jar.load(ignore_discard=True)
            cookie = "; ".join("%s=%s" % (c.name, c.value) for c in jar)
            heads = 0
            for _ in range(200):
                c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
                c.request("HEAD", "/events", headers={"Cookie": cookie})
                heads += c.getresponse().status == 200
                c.close()
            c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=10)
            c.request("GET", "/events", headers={"Cookie": cookie, "Accept": "text/event-stream"})
            print(heads, c.getresponse().status)
            """
        let r = try await offPool { shell("/usr/bin/python3 -c '\(script)' \(port) \(jar) 2>&1") }
        #expect(r.output.trimmingCharacters(in: .whitespacesAndNewlines) == "200 200", "HEADs answered 200, then the live page's status: \(r.output)")
    }

    @Test func plainHTTPOnlyOnLoopback() async throws {
        let r = try await offPool { try run("coldchain-web", ["--listen", "0.0.0.0:8080"]) }
        #expect(r.status == 64 && r.err.contains("plain HTTP is accepted only on a loopback address"), "\(r.err)")
        let bad = try await offPool { try run("coldchain-web", ["--listen", "127.0.0.1:99999"]) }
        #expect(bad.status == 64 && bad.err.contains("is not HOST:PORT"), "\(bad.err)")
    }
}

/// The web screen as its people use it, in Debian's chromium through chromium-driver and Selenium over TLS
/// (Tests/Interop/web_browser.py runs the site: a pymodbus probe it sets, a pty scanner, coldchaind, coldchain-web).
@Suite(.serialized) struct WebBrowserTests {
    @Test func logInSeeAnExcursionLiveAcknowledgeItAndHearTheDesk() async throws {
        let dir = TempDir("cc-web-browser")
        let artefacts = packageRoot() + "/.build/artefacts"
        let r = try await offPool {
            shell("\(packageRoot())/.build/pyvenv/bin/python \(packageRoot())/Tests/Interop/web_browser.py \(binaryPath("coldchaind").dropLast("/coldchaind".count)) \(dir.path) \(artefacts) 2>&1")
        }
        print("web browser:\n\(r.output)")
        #expect(r.status == 0 && r.output.hasSuffix("all ok\n"), "\(r.output.suffix(3000))")
        for step in ["a wrong password is refused", "the session cookie is HttpOnly, Secure, SameSite=Strict", "runs no script",
                     "the tile turned red", "coldchainctl alarms names 王芳", "fetched /speech/ok-in.wav", "the WAV is speech by sox",
                     "the fridge page: chart (24h, 7d), the excursion at 12.1 °C, readings as CSV",
                     "the month's record sheet with its style allowed by hash", "the record sheet shows 4.6 by 王芳",
                     "the daemon's refusal is shown", "an ended excursion assessed from the fridge page (release)",
                     "a viewer cannot acknowledge", "fit its width", "no errors in the browser's console"] {
            #expect(r.output.contains(step), "missing: \(step)")
        }
    }
}
