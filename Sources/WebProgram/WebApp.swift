import ColdChain
import Control
import FoundationEssentials
import POSIX
import Synchronization
import Views
import WebServer

/// The web screen's routes: who may see what, the forms and their CSRF tokens, and each page from the daemon's
/// replies through the control socket (the commands of the registry, as the CLI sends them).
final class WebApp: Sendable {
    let socket: String
    let usersPath: String
    let secure: Bool
    let sessions = Sessions()
    let people: People
    let throttle = Mutex(LoginThrottle())
    let feed: LiveFeed
    let speech: Speech
    let clock: @Sendable () -> Date
    let status: StatusCache
    let sparks = Mutex<[String: (at: Date, svg: String)]>([:])

    init(socket: String, usersPath: String, secure: Bool, speech: Speech, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.socket = socket; self.usersPath = usersPath; self.secure = secure; self.speech = speech; self.clock = clock
        people = People(path: usersPath)
        feed = LiveFeed(socket: socket)
        status = StatusCache(socket: socket)
    }

    /// What a request is asked in: the person's session (if any), their language, the time.
    struct Context {
        var request: HTTPRequest
        var session: Sessions.Session?
        var token: String?
        var words: Words
        var now: Date
    }

    func handle(_ r: HTTPRequest) -> HTTPResponse {
        let now = clock()
        let token = r.cookies[Sessions.cookie]
        let lang = r.query["lang"].flatMap(Words.Language.init(rawValue:)) ?? r.cookies["cc_lang"].flatMap(Words.Language.init(rawValue:)) ?? .zh
        // Every request asks the users file (re-read when it changed) whether the session's person and role stand.
        var c = Context(request: r, session: sessions.find(token, now: now, holds: people.holds), token: token, words: Words(lang), now: now)
        var response = route(&c)
        if let asked = r.query["lang"], Words.Language(rawValue: asked) != nil {
            response.headers.append(("Set-Cookie", cookie("cc_lang", asked, maxAge: 365 * 86400)))
        }
        return response
    }

    func route(_ c: inout Context) -> HTTPResponse {
        let r = c.request
        switch (r.method == "HEAD" ? "GET" : r.method, r.path) {
        case ("GET", "/healthz"): return .text(200, "ok\n")
        case ("GET", "/static/app.css"): return HTTPResponse(status: 200, contentType: "text/css; charset=utf-8", body: Array(Assets.stylesheet.utf8))
        case ("GET", "/static/app.js"): return HTTPResponse(status: 200, contentType: "text/javascript; charset=utf-8", body: Array(Assets.script.utf8))
        case ("GET", "/login"): return loginPage(c, problem: nil)
        case ("POST", "/login"): return login(c)
        default: break
        }
        // What exists: anything else is 404 whoever asks (a raw `../` included: libmicrohttpd passes the path as sent).
        let pages = ["/", "/alarms", "/desk", "/inventory", "/receiving", "/sheet", "/tools"]
        let exists = pages.contains(r.path) || r.path.hasPrefix("/desk/") || r.path.hasPrefix("/speech/") || r.path.hasPrefix("/fridge/")
            || ["/events", "/logout", "/alarms/ack", "/tools", "/tools/backup", "/tools/notify", "/fridge-check", "/fridge-assess"].contains(r.path)
        guard exists else { return .text(404, "not found\n") }
        guard let session = c.session else {
            // A page asks the person to log in; anything else (what a page's script fetches, a form) is refused
            // plainly: a redirect would load the login page again and replace its form's token.
            let page = pages.contains(r.path) || r.path.hasPrefix("/desk/") || (r.path.hasPrefix("/fridge/") && !r.path.hasSuffix(".csv"))
            return r.method == "GET" && page && r.query["part"] == nil ? .redirect("/login") : .text(401, "log in first\n")
        }
        if r.method == "POST" {
            guard let form = r.form, let sent = form["csrf"], Password.constantTimeEqual(Array(sent.utf8), Array(session.csrf.utf8)) else {
                return page(c, status: 403, title: c.words.t("请求被拒绝", "Refused"),
                            [WebPages.notice(c.words.t("表单已过期或不是本页发出的。请返回重试。", "The form has expired or did not come from this screen. Go back and try again."))])
            }
            switch r.path {
            case "/logout":
                sessions.close(c.token)
                return .redirect("/login", headers: [("Set-Cookie", cookie(Sessions.cookie, "", maxAge: 0))])
            case "/alarms/ack": return acknowledge(c, session, form)
            case "/fridge-check", "/fridge-assess", "/tools/backup", "/tools/notify":
                guard session.role >= .technician else {
                    return page(c, status: 403, title: c.words.t("不允许", "Not allowed"),
                                [WebPages.notice(c.words.t("只有技术员可以这样做。", "Only a technician does this."))])
                }
                return technician(c, session, r.path, form)
            default: return .text(404, "not found\n")
            }
        }
        guard r.method == "GET" || r.method == "HEAD" else { return .text(405, "only GET, HEAD and POST\n") }
        switch r.path {
        case "/": return overview(c)
        case "/alarms": return alarms(c, problem: nil)
        case "/events":
            // HEAD gets the headers and no stream: a stream it opened had no reader to end it, and 61 HEADs took all
            // 56 live-page slots for good (hardening 3, finding 5).
            if r.method == "HEAD" { return HTTPResponse(status: 200, contentType: "text/event-stream; charset=utf-8", body: []) }
            guard let listener = feed.listen() else { return .text(503, "too many live pages open; this one will retry\n") }
            return HTTPResponse(streaming: listener, contentType: "text/event-stream; charset=utf-8")
        case "/desk": return deskList(c, session)
        case "/inventory": return inventory(c)
        case "/receiving": return receiving(c)
        case "/sheet": return sheet(c)
        case "/tools": return page(c, title: c.words.t("维护", "Maintenance"), RecordPages.tools(c.words, session, results: nil))
        default:
            if r.path.hasPrefix("/fridge/") {
                let rest = r.path.dropFirst(8)
                if rest.hasSuffix("/readings.csv") { return readingsCSV(c, fridge: String(rest.dropLast(13))) }
                return fridge(c, id: String(rest))
            }
            if r.path.hasPrefix("/desk/") { return desk(c, session, scanner: String(r.path.dropFirst(6))) }
            if r.path.hasPrefix("/speech/"), r.path.hasSuffix(".wav") {
                guard session.role >= .nurse else { return .text(403, "the desk's voice is for nurses and technicians\n") }
                switch speech.wav(String(r.path.dropFirst(8).dropLast(4))) {
                case .wav(let bytes):
                    return HTTPResponse(status: 200, contentType: "audio/wav", body: bytes, headers: [("Cache-Control", "private, max-age=86400")])
                case .unknown: return .text(404, "not found\n")
                case .failed(let why): return .text(503, "the desk's voice is not available: \(why)\n")
                }
            }
            return .text(404, "not found\n")
        }
    }

    // MARK: People

    func loginPage(_ c: Context, problem: String?) -> HTTPResponse {
        // The login form's own CSRF token, before there is a session: the same random value in a cookie and the form
        // (kept when the browser has one: two tabs on the login page both work).
        let held = c.request.cookies["cc_login"].flatMap { $0.utf8.count == 64 && $0.allSatisfy(\.isHexDigit) ? $0 : nil }
        let token = held ?? Sessions.randomToken()
        var r = page(c, status: problem == nil ? 200 : 401, title: c.words.t("登录", "Log in"), [WebPages.login(c.words, csrf: token, problem: problem)], person: false)
        r.headers.append(("Set-Cookie", cookie("cc_login", token, maxAge: 3600)))
        return r
    }

    func login(_ c: Context) -> HTTPResponse {
        let w = c.words
        guard let form = c.request.form, let name = form["name"], let password = form["password"], let sent = form["csrf"],
              let expected = c.request.cookies["cc_login"], Password.constantTimeEqual(Array(sent.utf8), Array(expected.utf8)) else {
            return loginPage(c, problem: w.t("登录表单已过期，请重试。", "The login form expired; try again."))
        }
        guard UserFile.problem(name: name) == nil, password.utf8.count <= 256 else {
            return loginPage(c, problem: w.t("名字或密码不对。", "Wrong name or password."))
        }
        if let until = throttle.withLock({ $0.lockedUntil(name, now: c.now) }) {
            return loginPage(c, problem: w.t("登录失败次数过多，此名字已锁定到 \(WebPages.clock(until))。", "Too many failed logins: this name is locked until \(WebPages.clock(until))."))
        }
        let users: UserFile
        do { users = try UserFile.read(usersPath) } catch {
            return page(c, status: 503, title: w.t("无法登录", "Cannot log in"), [WebPages.notice("\(error)")], person: false)
        }
        let person = users.person(name)
        guard Password.verify(password, against: person?.hash), let person else {
            if let until = throttle.withLock({ $0.failed(name, now: c.now) }) {
                reportLocked(name: name, address: c.request.client)
                return loginPage(c, problem: w.t("登录失败次数过多，此名字已锁定到 \(WebPages.clock(until))。", "Too many failed logins: this name is locked until \(WebPages.clock(until))."))
            }
            return loginPage(c, problem: w.t("名字或密码不对。", "Wrong name or password."))
        }
        throttle.withLock { $0.succeeded(name) }
        let token = sessions.open(name: person.name, role: person.role, credential: person.hash, now: c.now)
        return .redirect("/", headers: [("Set-Cookie", cookie(Sessions.cookie, token, maxAge: nil)), ("Set-Cookie", cookie("cc_login", "", maxAge: 0))])
    }

    /// Tells the daemon, for its log; the page does not wait on it going wrong.
    func reportLocked(name: String, address: String) {
        let args = Commands.WebLoginLocked.Arguments(name: name, address: address.isEmpty ? "0.0.0.0" : address,
                                                     failures: LoginThrottle.failures, minutes: Int(LoginThrottle.lockFor / 60))
        _ = try? ControlClient(path: socket).call(Commands.WebLoginLocked.request(args))
    }

    func cookie(_ name: String, _ value: String, maxAge: Int?) -> String {
        "\(name)=\(value); Path=/; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "") + (maxAge.map { "; Max-Age=\($0)" } ?? "")
    }

    // MARK: Pages

    func page(_ c: Context, status: Int = 200, title: String, _ body: [String], person: Bool = true) -> HTTPResponse {
        .html(status, WebPages.page(c.words, title: title, session: person ? c.session : nil, path: c.request.path, body))
    }

    /// A reply from the daemon, or the page that says why there is none.
    /// A page instead of an answer (the daemon refused, or is away).
    struct Refusal: Error { var page: HTTPResponse }

    /// `refused` makes the page for the daemon's refusal (an action's form has its own, with a way back).
    func ask<C: ControlCommand>(_ c: Context, _ command: C.Type, _ arguments: C.Arguments,
                                refused: ((String) -> HTTPResponse)? = nil) -> Result<C.Reply, Refusal> {
        do {
            switch try ControlClient(path: socket).call(C.request(arguments), as: C.Reply.self) {
            case .ok(let reply, _): return .success(reply)
            case .failure(let f):
                return .failure(Refusal(page: refused?(f.message)
                                        ?? page(c, status: 502, title: c.words.t("网关拒绝", "The gateway refused"), [WebPages.notice(f.message)])))
            }
        } catch {
            return .failure(Refusal(page: unreachable(c, error)))
        }
    }

    func unreachable(_ c: Context, _ error: any Error) -> HTTPResponse {
        page(c, status: 503, title: c.words.t("网关未运行", "The gateway is not running"),
             [WebPages.notice(c.words.t("无法连接 coldchaind：它在运行吗？", "coldchaind is not reachable: is it running?") + " (\(error))")])
    }

    func overview(_ c: Context) -> HTTPResponse {
        switch status.get(now: c.now) {
        case .failure(let error): return unreachable(c, error)
        case .success(let s):
            let live = WebPages.live(c.words, s, sparklines: sparklines(s.fridges.map(\.id), now: c.now))
            if c.request.query["part"] == "live" { return .html(200, live) }
            return page(c, title: s.gateway.site, WebPages.overview(c.words, s, live: live))
        }
    }

    /// Each tile's last 24 hours, asked of the daemon at most every 5 minutes per fridge (a page refreshed on every
    /// reading must not cost the daemon a chart each time). No lock is held while asking.
    func sparklines(_ fridges: [String], now: Date) -> [String: String] {
        var out: [String: String] = [:]
        let day = try! DurationArgument("24h", key: "since", in: 60...ControlArguments.maxChartWindow)
        for id in fridges.prefix(64) {
            if let held = sparks.withLock({ $0[id] }), abs(now.timeIntervalSince(held.at)) < 300 { out[id] = held.svg; continue }
            guard case .ok(let chart, _)? = try? ControlClient(path: socket).call(Commands.Chart.request(.init(fridge: id, since: day)), as: ChartData.self) else { continue }
            let svg = Sparkline.render(chart)
            sparks.withLock { $0[id] = (now, svg) }
            out[id] = svg
        }
        return out
    }

    func alarms(_ c: Context, problem: String?) -> HTTPResponse {
        let week = try? DurationArgument("7d", key: "since", in: 60...ControlArguments.maxWindow)
        switch ask(c, Commands.Alarms.self, Commands.Alarms.Arguments(since: week)) {
        case .failure(let r): return r.page
        case .success(let reply):
            let open: [AlarmSummary]
            switch status.get(now: c.now, fresh: true) {
            case .failure(let error): return unreachable(c, error)
            case .success(let s): open = s.alarms
            }
            let body = WebPages.alarms(c.words, open: open, recent: reply, canAcknowledge: c.session!.role >= .technician,
                                       csrf: c.session!.csrf, problem: problem)
            return page(c, status: problem == nil ? 200 : 400, title: c.words.t("报警", "Alarms"), body)
        }
    }

    func acknowledge(_ c: Context, _ s: Sessions.Session, _ form: [String: String]) -> HTTPResponse {
        let w = c.words
        guard s.role >= .technician else {
            return page(c, status: 403, title: w.t("不允许", "Not allowed"),
                        [WebPages.notice(w.t("只有技术员可以确认报警。", "Only a technician acknowledges alarms."))])
        }
        guard let alarm = form["alarm"].flatMap({ Int($0) }), alarm > 0 else { return alarms(c, problem: w.t("哪一个报警？", "Which alarm?")) }
        let note = (form["note"] ?? "").trimmingSpaces
        guard !note.isEmpty else { return alarms(c, problem: w.t("请写明做了什么（例如“门已关好，疫苗已检查”）。", "Say what was done (e.g. \"door closed, vaccines checked\").")) }
        // The daemon checks the note's length and characters as it does for coldchainctl; its refusal is shown.
        do {
            switch try ControlClient(path: socket).call(Commands.Ack.request(.init(alarm: alarm, note: note, by: s.name)), as: AckReply.self) {
            case .ok: status.invalidate(); return .redirect("/alarms")
            case .failure(let f): return alarms(c, problem: f.message)
            }
        } catch {
            return unreachable(c, error)
        }
    }

    /// 24h, 7d or 30d (anything else: 24h).
    func range(_ c: Context) -> (text: String, argument: DurationArgument) {
        let text = c.request.query["range"].flatMap { RecordPages.ranges.contains($0) ? $0 : nil } ?? "24h"
        return (text, try! DurationArgument(text, key: "since", in: 60...ControlArguments.maxChartWindow))
    }

    func fridge(_ c: Context, id: String) -> HTTPResponse {
        let (text, since) = range(c)
        let chart: ChartData, excursions: [ExcursionRow]
        switch ask(c, Commands.Chart.self, .init(fridge: id, since: since)) {
        case .failure(let r): return r.page
        case .success(let v): chart = v
        }
        switch ask(c, Commands.Excursions.self, .init(openOnly: false)) {
        case .failure(let r): return r.page
        case .success(let v): excursions = v
        }
        let now = try? status.get(now: c.now).get()
        return page(c, title: chart.name, RecordPages.fridge(c.words, now?.fridges.first { $0.id == id }, id: id, range: text, chart: chart,
                                                            excursions: excursions, technician: c.session!.role >= .technician ? c.session!.csrf : nil))
    }

    func readingsCSV(_ c: Context, fridge: String) -> HTTPResponse {
        let (text, since) = range(c)
        do {
            let stream = try ReadingsCSV(socket: socket, fridge: fridge, since: since)
            // The file's name from the fridge's id, with anything but letters, digits, - and _ left out.
            let safe = String(fridge.unicodeScalars.filter { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_") })
            return HTTPResponse(streaming: stream, contentType: "text/csv; charset=utf-8",
                                headers: [("Content-Disposition", "attachment; filename=\"\(safe.isEmpty ? "fridge" : safe)-readings-\(text).csv\"")])
        } catch let f as ControlFailure {
            return page(c, status: f.code == .notFound ? 404 : 502, title: c.words.t("网关拒绝", "The gateway refused"), [WebPages.notice(f.message)])
        } catch {
            return unreachable(c, error)
        }
    }

    func inventory(_ c: Context) -> HTTPResponse {
        switch ask(c, Commands.Inventory.self, .init(fridge: nil, expiring: nil)) {
        case .failure(let r): return r.page
        case .success(let groups):
            let today = WebPages.calendar.day(at: c.now).description
            let soon = WebPages.calendar.day(at: c.now.addingTimeInterval(30 * 86400)).description
            return page(c, title: c.words.t("库存", "Inventory"), RecordPages.inventory(c.words, groups, today: today, soon: soon))
        }
    }

    func receiving(_ c: Context) -> HTTPResponse {
        switch ask(c, Commands.ReceiveStatus.self, .init(bill: nil)) {
        case .failure(let r): return r.page
        case .success(let bills): return page(c, title: c.words.t("到货验收", "Receiving"), RecordPages.receiving(c.words, bills))
        }
    }

    /// The month's record sheet: the very HTML of `coldchainctl report daily --format html`, printable. Its one
    /// <style> element is allowed by its hash in this response's CSP; nothing else inline is.
    func sheet(_ c: Context) -> HTTPResponse {
        let day = WebPages.calendar.day(at: c.now)
        let asked = c.request.query["month"] ?? "\(day.year)-\(day.month < 10 ? "0" : "")\(day.month)"
        let month: MonthArgument
        do { month = try MonthArgument(asked) } catch {
            return page(c, status: 400, title: c.words.t("记录表", "Record sheet"), [RecordPages.sheetForm(c.words, month: ""), WebPages.notice(error.message)])
        }
        switch ask(c, Commands.Report.self, .init(month: month, fridge: nil)) {
        case .failure(let r): return r.page
        case .success(let sheet):
            let html = SheetText.html(sheet, calendar: WebPages.calendar)
            var csp = HTTPServer.contentSecurityPolicy
            if let a = html.firstRange(of: "<style>"), let b = html[a.upperBound...].firstRange(of: "</style>") {
                let digest = Data(SHA256.hash(String(html[a.upperBound..<b.lowerBound]))).base64EncodedString()
                csp += "; style-src 'sha256-\(digest)'"
            }
            return .html(200, html, headers: [("Content-Security-Policy", csp)])
        }
    }

    /// A technician's action, through the same command as coldchainctl's, with their name as `by`. The daemon checks
    /// every value as it does for the CLI; its refusal is shown as it said it.
    func technician(_ c: Context, _ s: Sessions.Session, _ path: String, _ form: [String: String]) -> HTTPResponse {
        let w = c.words
        func refused(_ message: String) -> HTTPResponse {
            let back = path == "/tools/backup" || path == "/tools/notify" ? "/tools" : "/fridge/\((form["fridge"] ?? "").addingPercentEncodingForPath)"
            return page(c, status: 400, title: w.t("未记录", "Not recorded"), [WebPages.notice(message), "<p><a href=\"\(back)\" class=\"back\">\(w.t("返回", "Back"))</a></p>"])
        }
        func call<C: ControlCommand>(_ command: C.Type, _ arguments: C.Arguments, then: (C.Reply) -> HTTPResponse) -> HTTPResponse {
            switch ask(c, command, arguments, refused: refused) {
            case .success(let reply): status.invalidate(); return then(reply)
            case .failure(let r): return r.page
            }
        }
        let fridge = form["fridge"] ?? ""
        switch path {
        case "/fridge-check":
            guard let text = form["c"]?.trimmingSpaces, let celsius = Double(text), celsius.isFinite else {
                return refused(w.t("温度计读数是多少？（例如 4.5）", "What did the thermometer show? (e.g. 4.5)"))
            }
            let note = form["note"]?.trimmingSpaces
            return call(Commands.Check.self, .init(fridge: fridge, celsius: celsius, by: s.name, note: note?.isEmpty == false ? note : nil)) { _ in
                .redirect("/fridge/\(fridge.addingPercentEncodingForPath)")
            }
        case "/fridge-assess":
            guard let id = form["excursion"].flatMap({ Int($0) }), let decision = form["decision"].flatMap(AssessmentRecorded.Decision.init(rawValue:)) else {
                return refused(w.t("哪一次超温？放行还是报废？", "Which excursion, and release or discard?"))
            }
            let note = (form["note"] ?? "").trimmingSpaces
            guard !note.isEmpty else { return refused(w.t("请写明依据（例如疾控中心的意见）。", "Say on what grounds (e.g. the CDC's advice).")) }
            return call(Commands.Assess.self, .init(excursion: id, decision: decision, doses: [], by: s.name, note: note)) { _ in
                .redirect("/fridge/\(fridge.addingPercentEncodingForPath)")
            }
        case "/tools/backup":
            return call(Commands.BackupNow.self, NoArguments()) { r in
                page(c, title: w.t("维护", "Maintenance"), RecordPages.tools(w, s, results: [w.t("备份完成：", "Backup done: ") + "\(r.body.file) (\(w.t("账本事件", "ledger event")) \(r.seq))"]))
            }
        default:
            return call(Commands.NotifyTest.self, .init(channel: nil)) { results in
                let lines = results.map { "\($0.channel) (\($0.kind)) → \($0.recipient): " + ($0.ok ? w.t("已发送", "sent") : w.t("失败：", "FAILED: ") + ($0.error ?? "?")) }
                return page(c, title: w.t("维护", "Maintenance"), RecordPages.tools(w, s, results: lines.isEmpty ? [w.t("没有配置通知渠道。", "No notify channels are configured.")] : lines))
            }
        }
    }

    func deskList(_ c: Context, _ s: Sessions.Session) -> HTTPResponse {
        switch status.get(now: c.now) {
        case .failure(let error): return unreachable(c, error)
        case .success(let st): return page(c, title: c.words.t("接种台", "Desk"), WebPages.deskList(c.words, st.scannerStates ?? []))
        }
    }

    func desk(_ c: Context, _ s: Sessions.Session, scanner: String) -> HTTPResponse {
        guard s.role >= .nurse else {
            return page(c, status: 403, title: c.words.t("不允许", "Not allowed"),
                        [WebPages.notice(c.words.t("接种台页面供护士和技术员使用。", "The desk page is for nurses and technicians."))])
        }
        let known: [ScannerStatus]
        switch status.get(now: c.now) {
        case .failure(let error): return unreachable(c, error)
        case .success(let st): known = st.scannerStates ?? []
        }
        guard let sc = known.first(where: { $0.id == scanner }) else { return .text(404, "no such scanner\n") }
        let verdict = WebPages.deskVerdict(c.words, scanner: sc, last: feed.lastScan(sc.id))
        if c.request.query["part"] == "verdict" { return .html(200, verdict) }
        return page(c, title: c.words.t("接种台 ", "Desk ") + sc.id, WebPages.desk(c.words, scanner: sc, verdict: verdict))
    }
}

extension String {
    /// For a fridge's id in a path: letters, digits, `-`, `_` and `.` as they are, anything else %-escaped.
    var addingPercentEncodingForPath: String {
        utf8.map { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x2D || b == 0x5F || b == 0x2E
                ? String(UnicodeScalar(b)) : "%" + (b < 16 ? "0" : "") + String(b, radix: 16, uppercase: true)
        }.joined()
    }

    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s = s.dropFirst() }
        while s.last?.isWhitespace == true { s = s.dropLast() }
        return String(s)
    }
}

/// `status` for the pages, asked at most once a second however many pages ask (50 screens refreshing on every
/// reading would otherwise each cost the daemon a status). No lock is held while the daemon is asked: two pages
/// asking at the same moment may both ask.
final class StatusCache: Sendable {
    let socket: String
    let cached = Mutex<(at: Date, reply: StatusReply)?>(nil)

    init(socket: String) { self.socket = socket }

    func invalidate() { cached.withLock { $0 = nil } }

    func get(now: Date, fresh: Bool = false) -> Result<StatusReply, any Error> {
        if !fresh, let c = cached.withLock({ $0 }), abs(now.timeIntervalSince(c.at)) < 1 { return .success(c.reply) }
        do {
            switch try ControlClient(path: socket).call(Commands.Status.request, as: StatusReply.self) {
            case .ok(let s, _):
                cached.withLock { $0 = (now, s) }
                return .success(s)
            case .failure(let f): return .failure(f)
            }
        } catch {
            return .failure(error)
        }
    }
}

extension HTTPRequest {
    /// An `application/x-www-form-urlencoded` body's fields (the first of each name); nil when it is not one.
    var form: [String: String]? {
        guard header("Content-Type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else { return nil }
        return FormEncoding.decode(body)
    }
}
