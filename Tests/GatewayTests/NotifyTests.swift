import ColdChain
import Control
import Fieldbus
import Foundation
@testable import Gateway
import Glibc
import Storage
import Testing
import TestSupport

/// The robots' stand-ins (Tests/Interop/robot_standin.py, a real HTTP server on 127.0.0.1 that checks the key, the
/// JSON shape and DingTalk's signature with Python's hmac), a fake gammu-smsd-inject on the search path that
/// records its arguments, and an injected clock running an alarm through three levels in milliseconds.
final class NotifyRig: @unchecked Sendable {
    let f: HubFixture
    let standin: Subprocess
    let port: Int
    let store: String
    let smsLog: String
    let commandLog: String
    var center: NotifyCenter
    let clock: ManualClock
    /// What the center stamps with: `clock`, or the system's clock for a test that measures real order.
    let centerClock: any WallClock
    /// While this file exists the fake SMS tool and the command fail (a modem not answering).
    let failFlag: String
    var listener = 0

    let logs = LogCapture()

    init(fails: Int = 0, levels: String? = nil, mode: String = "", realClock: Bool = false, smsPerDay: Int = 200, robotTimeout: Double = 20,
         maxPerHour: Int = 10) throws {
        let dir = TempDir("cc-notify")
        store = dir.file("robots.jsonl")
        smsLog = dir.file("sms.log")
        commandLog = dir.file("command.log")
        failFlag = dir.file("modem-down")
        let standin = try Subprocess(absolute: "/usr/bin/python3", [packageRoot() + "/Tests/Interop/robot_standin.py", store, "WECOMKEY", "DTOKEN", "SECdingsecret", String(fails), mode],
                                     outputDir: dir.path)
        // The whole line, with its newline: a check for "ready" alone once read "ready " before the port.
        func readyPort() -> Int? {
            let out = standin.stdout
            return out.split(separator: "\n", omittingEmptySubsequences: false).dropLast().first { $0.hasPrefix("ready ") }.flatMap { Int($0.dropFirst(6)) }
        }
        poll(400, every: 25_000) { readyPort() != nil }
        guard let p = readyPort() else {
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "the robot stand-in did not start: \(standin.stderr)"])
        }
        self.standin = standin
        port = p
        dir.write("wecom.url", "http://127.0.0.1:\(p)/cgi-bin/webhook/send?key=WECOMKEY\n")
        dir.write("ding.url", "http://127.0.0.1:\(p)/robot/send?access_token=DTOKEN")
        dir.write("ding.secret", "SECdingsecret\n")
        let bin = dir.file("bin")
        mkdir(bin, 0o755)
        dir.write("bin/gammu-smsd-inject", "#!/bin/sh\nif [ -e \(failFlag) ]; then echo 'Error: the modem does not answer' >&2; exit 3; fi\nfor a in \"$@\"; do printf '%s\\037' \"$a\" >> \(smsLog); done\necho >> \(smsLog)\necho 'Written message with ID /var/spool/gammu/outbox/OUTC1'\n")
        chmod(dir.file("bin/gammu-smsd-inject"), 0o755)
        dir.write("bin/mmcli", "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\037' \"$a\" >> \(smsLog).mmcli; done\necho >> \(smsLog).mmcli\n"
                  + "case \"$3\" in --messaging-create-sms=*) echo 'Successfully created new SMS: /org/freedesktop/ModemManager1/SMS/7';; esac\n")
        chmod(dir.file("bin/mmcli"), 0o755)
        dir.write("notify-command", "#!/bin/sh\nif [ -e \(failFlag) ]; then exit 4; fi\ncat >> \(commandLog)\n")
        chmod(dir.file("notify-command"), 0o755)
        let notify = """
            alarm_command: "notify-command",
            notify: {
              levels: \(levels ?? #"[ { after: "0s", to: ["duty"] }, { after: "30m", to: ["head"] }, { after: "90m", to: ["county", "site"] } ]"#),
              repeat: "30m",
              sms_per_day: \(smsPerDay),
              max_per_hour: \(maxPerHour),
              channels: {
                duty: { type: "wecom", url_file: "wecom.url", mobiles: ["13800000001"] },
                head: { type: "dingtalk", url_file: "ding.url", secret_file: "ding.secret", mobiles: ["13900000002"] },
                county: { type: "sms", numbers: ["13700000003", "13600000004", "13500000005"] },
                site: { type: "command" },
                modem: { type: "sms", tool: "mmcli", modem: 2, numbers: ["+8613400000006"] },
              },
            },
            """
        f = try HubFixture(dir: dir, top: notify)
        clock = ManualClock(f.t0)
        centerClock = realClock ? SystemClock() : clock
        guard let plan = f.config.notify else { throw CocoaError(.fileReadCorruptFile) }
        center = try NotifyCenter(plan: plan, config: f.config, hub: f.hub, reader: try LedgerReader(path: f.config.storage.path),
                                  clock: centerClock, log: Log(collect: { [logs] in logs.append($0) }), calendar: .fixed(hours: 8), searchPath: bin + ":/usr/bin:/bin",
                                  robotTimeout: robotTimeout)
        let c = center
        listener = f.hub.addListener { e, typed in c.alarmEvent(typed, at: RFC3339.parse(e.recordedAt) ?? Date()) }
    }

    deinit { standin.signal(SIGKILL) }

    /// The daemon killed and started again: the old center is dropped unstepped (whatever it held in memory is
    /// lost), and a new one starts from the record at `now`.
    func restart(at now: Date) throws {
        f.hub.removeListener(listener)
        clock.set(now)
        center = try NotifyCenter(plan: try #require(f.config.notify), config: f.config, hub: f.hub, reader: try LedgerReader(path: f.config.storage.path),
                                  clock: centerClock, log: Log(collect: { [logs] in logs.append($0) }), calendar: .fixed(hours: 8), searchPath: f.dir.file("bin") + ":/usr/bin:/bin")
        let c = center
        listener = f.hub.addListener { e, typed in c.alarmEvent(typed, at: RFC3339.parse(e.recordedAt) ?? Date()) }
    }

    /// One step of the center at `now`, the clock set to it (attempts are stamped by the clock), and every channel's
    /// queue finished.
    func step(_ now: Date) {
        clock.set(now)
        center.step(now: now)
        center.waitIdle()
    }

    func robots() throws -> [JSONValue] {
        guard let text = try? String(contentsOfFile: store, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map { try JSONValue.parse(Data($0.utf8)) }
    }

    func alarmOpenedAt() throws -> Date {
        let e = try LedgerReader(path: f.config.storage.path).events(types: ["alarm.opened"]).first
        guard let at = e.flatMap({ RFC3339.parse($0.recordedAt) }) else { throw CocoaError(.fileReadCorruptFile) }
        return at
    }

    func lastEventAt() throws -> Date {
        guard let e = try LedgerReader(path: f.config.storage.path).events(after: 0, limit: 1_000_000).last, let at = RFC3339.parse(e.recordedAt) else {
            throw CocoaError(.fileReadCorruptFile)
        }
        return at
    }

    func smsCalls() -> [[String]] {
        ((try? String(contentsOfFile: smsLog, encoding: .utf8)) ?? "").split(separator: "\n").map { $0.split(separator: "\u{1F}").map(String.init) }
    }

    func notified() throws -> [AlarmNotified] {
        try LedgerReader(path: f.config.storage.path).events(types: ["alarm.notified"]).compactMap { e in
            if case .alarmNotified(let n)? = try e.typed() { return n } else { return nil }
        }
    }
}

@Suite(.serialized) struct NotifyTests {
    @Test func anAlarmClimbsThreeLevelsIsAcknowledgedAndClosed() throws {
        let rig = try NotifyRig()
        let f = rig.f
        func at(_ m: Double) -> Date { f.t0.addingTimeInterval(m * 60) }
        f.feed(5, minutes: 2, from: 0)
        f.feed(11, minutes: 8, from: 2)                                     // the excursion and its alarm, 5 min on
        let openedAt = try rig.alarmOpenedAt()
        func after(_ m: Double) -> Date { openedAt.addingTimeInterval(m * 60) }
        rig.step(after(0))                                      // level 1: the duty group
        rig.step(after(29))
        rig.step(after(30))                                     // level 2: the head's DingTalk, duty reminded
        rig.step(after(90))                                     // level 3: three SMS and the command; 1 and 2 reminded
        _ = f.hub.acknowledge(alarm: 1, note: "门已关，疫苗已隔离", uid: 0, at: after(95))
        rig.step(after(95))                                     // all three levels hear who acknowledged
        f.feed(5, minutes: 3, from: Int(after(96).timeIntervalSince(f.t0) / 60) + 1)   // back in range: closed
        rig.step(after(130))
        rig.step(after(300))                                    // nothing more

        let robots = try rig.robots()
        #expect(robots.allSatisfy { $0["errcode"] == 0 }, "the stand-in refused: \(robots.filter { $0["errcode"] != 0 })")
        let wecom = robots.filter { $0["robot"] == "wecom" }.compactMap { $0["body"]?["text"]?["content"]?.stringValue }
        let ding = robots.filter { $0["robot"] == "dingtalk" }.compactMap { $0["body"]?["text"]?["content"]?.stringValue }
        // WeChat Work: opened, reminded at 30 and 90 min (the steps taken), acknowledged, closed; DingTalk: level 2 at
        // 30 min, reminded at 90, acknowledged, closed.
        #expect(wecom.count == 5 && ding.count == 4, "wecom \(wecom), dingtalk \(ding)")
        #expect(wecom.first?.hasPrefix("【冷链报警】Fridge 1 (F1) 11.0 °C，超出 2.0–8.0 °C，自 ") == true, "\(wecom.first ?? "")")
        #expect(wecom.first?.hasSuffix("起 0 分钟，未确认 [gw-test-01]") == true)
        #expect(robots.first { $0["robot"] == "wecom" }?["body"]?["text"]?["mentioned_mobile_list"] == ["13800000001"])
        #expect(robots.first { $0["robot"] == "dingtalk" }?["body"]?["at"]?["atMobiles"] == ["13900000002"])
        #expect(ding.first?.hasPrefix("【冷链报警·第2级】") == true && ding.first?.contains("30 分钟") == true)
        #expect(wecom.contains { $0.hasPrefix("【冷链报警·已确认】") && $0.contains("已由 root 确认：门已关，疫苗已隔离") }, "\(wecom)")
        #expect(wecom.last?.hasPrefix("【冷链报警·已结束】Fridge 1 (F1) 温度已恢复 5.0 °C (2.0–8.0 °C)") == true, "\(wecom.last ?? "")")

        // SMS: one message per number, for the level, the acknowledgement and the close; gammu told it is Unicode.
        let sms = rig.smsCalls()
        #expect(sms.count == 9, "\(sms)")
        #expect(Set(sms.map { $0[1] }) == ["13700000003", "13600000004", "13500000005"])
        #expect(sms.allSatisfy { $0.first == "TEXT" && $0.contains("-unicode") && $0.last?.hasPrefix("【冷链报警") == true })
        let command = (try? String(contentsOfFile: rig.commandLog, encoding: .utf8)) ?? ""
        #expect(command.split(separator: "\n").count == 3 && command.contains(#""kind":"escalated""#) && command.contains(#""level":3"#))

        // The record: every attempt, phone numbers masked, all ok; the alarm's statistics.
        let notified = try rig.notified()
        #expect(notified.allSatisfy { $0.ok } && notified.count == 5 + 4 + 9 + 3, "\(notified.filter { !$0.ok })")
        #expect(Set(notified.filter { $0.channel == "county" }.map(\.recipient)) == ["137****0003", "136****0004", "135****0005"])
        #expect(!notified.contains { $0.recipient.contains("13700000003") })
        let reader = try LedgerReader(path: f.config.storage.path)
        let stats = try ControlCommands.alarms(reader, from: f.t0)
        let a = try #require(stats.alarms.first)
        #expect(a.levels == [1, 2, 3] && a.attempts == notified.count && a.failed == 0)
        #expect(a.acknowledgeSeconds == 95 * 60 && a.bucket == .within120 && a.closeSeconds != nil)
        #expect(stats.buckets == ["<=30m": 0, "<=60m": 0, "<=120m": 1, ">120m": 0] && stats.unacknowledged == 0)
    }

    /// A robot that refuses for a while: each attempt recorded with its error, retried with back-off for that
    /// channel only, until it takes the message.
    @Test func aFailingChannelIsRetriedAndEveryAttemptRecorded() throws {
        let rig = try NotifyRig(fails: 5, levels: #"[ { after: "0s", to: ["duty", "county"] } ]"#)
        let f = rig.f
        f.feed(11, minutes: 7, from: 0)
        // The first step after the last reading: the record's times follow its order, so an attempt recorded after a
        // reading is never stamped before it.
        let openedAt = try rig.lastEventAt()
        rig.step(openedAt)
        #expect(rig.center.retrying == ["duty": 1], "what status reports while it fails")
        for s in stride(from: 30.0, through: 3600, by: 30) { rig.step(openedAt.addingTimeInterval(s)) }
        #expect(rig.center.retrying.isEmpty)
        let duty = try rig.notified().filter { $0.channel == "duty" && $0.kind == .opened }
        #expect(duty.map(\.attempt) == [1, 2, 3, 4, 5, 6], "\(duty)")
        #expect(duty.prefix(5).allSatisfy { !$0.ok && $0.error?.contains("errcode 45009") == true } && duty.last?.ok == true)
        // The SMS went out once, at the first attempt: the robot's retries did not repeat them.
        let county = try rig.notified().filter { $0.channel == "county" && $0.kind == .opened }
        #expect(county.count == 3)
        // Back-off: 30 s, 1 min, 2 min, 4 min, 8 min between attempts.
        let times = try LedgerReader(path: f.config.storage.path).events(types: ["alarm.notified"]).filter { $0.body.contains("\"duty\"") && $0.body.contains("\"opened\"") }
            .compactMap { RFC3339.parse($0.recordedAt) }
        #expect(zip(times, times.dropFirst()).map { $1.timeIntervalSince($0) } == [30, 60, 120, 240, 480])
    }

    /// After a restart the levels already told come back from the record: the duty group is not told again that
    /// the alarm opened, and the next level follows on time.
    @Test func aRestartRemembersWhoWasTold() throws {
        let rig = try NotifyRig()
        let f = rig.f
        f.feed(11, minutes: 7, from: 0)
        let openedAt = try rig.lastEventAt()
        rig.step(openedAt)
        f.hub.removeListener(rig.listener)
        let again = try NotifyCenter(plan: try #require(f.config.notify), config: f.config, hub: f.hub, reader: try LedgerReader(path: f.config.storage.path),
                                     clock: rig.clock, log: Log(collect: { _ in }), calendar: .fixed(hours: 8), searchPath: "/usr/bin:/bin")
        for m in [1.0, 30] {
            rig.clock.set(openedAt.addingTimeInterval(m * 60))
            again.step(now: openedAt.addingTimeInterval(m * 60))
            again.waitIdle()
        }
        let kinds = try rig.notified().map { "\($0.channel) \($0.kind.rawValue)" }
        #expect(kinds.first == "duty opened" && kinds.sorted() == ["duty opened", "duty reminder", "head escalated"], "\(kinds)")   // each channel sends on its own queue
    }

    /// A captive portal or a proxy's page answers 200 and echoes the request, the robot's key in its query: no key,
    /// token or secret reaches `alarm.notified` (the permanent, forwarded record) or the log (hardening 2, finding 1).
    @Test func anEchoingEndpointLeaksNoKeyIntoTheRecord() throws {
        let rig = try NotifyRig(levels: #"[ { after: "0s", to: ["duty", "head"] } ]"#, mode: "echo")
        rig.f.feed(11, minutes: 7, from: 0)
        rig.step(try rig.alarmOpenedAt())
        _ = rig.center.sendTest(channel: nil, now: rig.f.t0)
        let events = try LedgerReader(path: rig.f.config.storage.path).events(types: ["alarm.notified"])
        let robots = events.filter { $0.body.contains(#""channel":"duty""#) || $0.body.contains(#""channel":"head""#) }
        #expect(robots.count == 4 && robots.allSatisfy { $0.body.contains("an answer without errcode") }, "\(robots.map(\.body))")
        #expect(robots.contains { $0.body.contains("Welcome to the clinic") }, "an excerpt is kept to say what answered")
        for secret in ["WECOMKEY", "DTOKEN", "SECdingsecret", "sign="] {
            #expect(!events.contains { $0.body.contains(secret) }, "\(secret) in the record")
            #expect(!rig.logs.all.contains { $0.contains(secret) }, "\(secret) in the log")
        }
    }

    /// Every kind of notice owed at a SIGKILL (a failed opened SMS, a failed escalation and reminder, an
    /// acknowledgement and a close not yet sent) is sent once after the restart: not lost, not doubled (hardening 2,
    /// finding 3: before, a failed SMS was never retried after a restart and a pending close was lost).
    @Test func aRestartSendsEveryOwedNoticeOnce() throws {
        let rig = try NotifyRig(levels: #"[ { after: "0s", to: ["county"] }, { after: "30m", to: ["site"] } ]"#)
        let f = rig.f
        f.feed(11, minutes: 7, from: 0)
        let t = try rig.lastEventAt()
        func at(_ m: Double) -> Date { t.addingTimeInterval(m * 60) }
        FileManager.default.createFile(atPath: rig.failFlag, contents: nil)
        rig.step(at(0))                                   // opened: the three SMS fail
        try rig.restart(at: at(0.5))                      // killed; the modem is fixed
        unlink(rig.failFlag)
        rig.step(at(0.6))                                 // the retry is due 30 s after the failure
        #expect(rig.smsCalls().count == 3, "\(rig.smsCalls())")
        FileManager.default.createFile(atPath: rig.failFlag, contents: nil)
        rig.step(at(30))                                  // escalated to the command, reminder to county: both fail
        try rig.restart(at: at(31))
        unlink(rig.failFlag)
        rig.step(at(31))                                  // due 30 s after: sent now
        _ = f.hub.acknowledge(alarm: 1, note: "已处理", uid: 0, at: at(32))
        try rig.restart(at: at(32.5))                     // killed before the acknowledgement went out
        rig.step(at(32.5))
        f.hub.removeListener(rig.listener)                // the close is recorded while nobody listens: a kill right after it
        f.feed(5, minutes: 3, from: Int(at(33).timeIntervalSince(f.t0) / 60) + 1)
        try rig.restart(at: try rig.lastEventAt())
        rig.step(try rig.lastEventAt())
        rig.step(at(600))                                 // nothing more, hours later
        let ok = try rig.notified().filter(\.ok)
        for kind in [Escalation.Kind.opened, .reminder, .acknowledged, .closed] {
            let county = ok.filter { $0.channel == "county" && $0.kind == kind }.map(\.recipient).sorted()
            #expect(county == ["135****0005", "136****0004", "137****0003"], "\(kind): \(county)")
        }
        for kind in [Escalation.Kind.escalated, .acknowledged, .closed] {
            #expect(ok.filter { $0.channel == "site" && $0.kind == kind }.count == 1, "\(kind)")
        }
        #expect(rig.smsCalls().count == 12)
        let retried = try rig.notified().filter { $0.kind == .opened && $0.channel == "county" }.map(\.attempt)
        #expect(retried == [1, 1, 1, 2, 2, 2], "the retry is attempt 2, as the record counts: \(retried)")
    }

    /// Eight alarms at once, a robot that never answers and SMS on the same level: every SMS goes out while the
    /// robot still hangs (a channel's queue is its own), each attempt is stamped when it was made, and the record's
    /// times never decrease by sequence number (hardening 2, findings 2 and 6: before, the SMS went out 18 s to 104 s
    /// late, stamped with the time their round began).
    @Test func aHungRobotDelaysNoOtherChannelAndTimesFollowTheRecord() async throws {
        let rig = try NotifyRig(levels: #"[ { after: "0s", to: ["duty", "county"] } ]"#, mode: "hang", realClock: true,
                                robotTimeout: 3600)   // the robot's attempt ends only when the test kills it
        // Blocking waits, off the cooperative pool (two threads here, which in-process daemons of other tests need).
        let (early, events, opened) = try await offPool {
            let now = Date()
            for id in 1...8 {
                rig.center.alarmEvent(.alarmOpened(AlarmOpened(alarm: id, fridge: "F1", sensor: "F1-air", cause: .excursion, excursion: nil)), at: now)
            }
            rig.center.step(now: now)
            try poll(4800, every: 25_000) { try rig.notified().filter { $0.channel == "county" }.count >= 24 }
            let early = try rig.notified()
            rig.standin.signal(SIGKILL)                        // the robot goes away: its attempts fail at once
            rig.center.waitIdle()
            return (early, try LedgerReader(path: rig.f.config.storage.path).events(after: 0, limit: 100_000), now)
        }
        #expect(early.filter { $0.channel == "county" && $0.ok }.count == 24, "every SMS of the 8 alarms while the robot hangs")
        #expect(!early.contains { $0.channel == "duty" }, "the robot has not answered its first request yet")
        let times = events.compactMap { RFC3339.parse($0.recordedAt) }
        #expect(times.count == events.count && zip(times, times.dropFirst()).allSatisfy { $0 <= $1 }, "the record's times follow its order")
        let notified = events.filter { $0.type == "alarm.notified" }
        let lastSMS = try #require(notified.last { $0.body.contains(#""county""#) }.flatMap { RFC3339.parse($0.recordedAt) })
        let duty = notified.filter { $0.body.contains(#""duty""#) }.compactMap { RFC3339.parse($0.recordedAt) }
        #expect(duty.count == 8 && duty.allSatisfy { $0 > lastSMS }, "each robot attempt is stamped when it ended, after the SMS")
        print("hung robot: the last of 24 SMS for 8 alarms was recorded \((lastSMS.timeIntervalSince(opened) * 1000).rounded()) ms after the alarms opened")
    }

    /// `notify test` runs once a minute per channel (16 at once sent 16 SMS); an SMS channel sends at most
    /// `sms_per_day` in 24 hours, the rest refused and recorded, and `status` warns from 80 % (hardening 2, finding 9).
    @Test func smsCostIsBounded() throws {
        let rig = try NotifyRig(levels: #"[ { after: "0s", to: ["county"] } ]"#, smsPerDay: 5)
        let t = rig.f.t0
        let first = try rig.center.sendTest(channel: "county", now: t).get()
        #expect(first.count == 3 && first.allSatisfy(\.ok))
        guard case .failure(let refused) = rig.center.sendTest(channel: "county", now: t.addingTimeInterval(59)) else { Issue.record("a second test within the minute"); return }
        #expect(refused.message.contains("may be tested again at"), "\(refused.message)")
        #expect(rig.center.smsUsed(now: t) == ["county": 3])
        let second = try rig.center.sendTest(channel: "county", now: t.addingTimeInterval(60)).get()
        #expect(second.filter(\.ok).count == 2 && second.filter { !$0.ok }.allSatisfy { $0.error?.contains("SMS budget of 5 a day") == true }, "\(second)")
        #expect(rig.smsCalls().count == 5)
        let refusals = try rig.notified().filter { !$0.ok }
        #expect(refusals.count == 1 && refusals.first?.error?.hasPrefix(NotifyCenter.budgetRefusal) == true)
        // The budget survives a restart; a day later it is free again.
        try rig.restart(at: t.addingTimeInterval(120))
        #expect(rig.center.smsUsed(now: t.addingTimeInterval(120)) == ["county": 5])
        #expect(rig.center.smsUsed(now: t.addingTimeInterval(86_400)).isEmpty)
    }

    /// A fridge whose temperature flaps across its limit for two hours (7 min out, 3 min in: an alarm opened and closed
    /// every 10 minutes), with a bound of 4 notices an hour and a restart in the middle. The channel never carries
    /// more than 4 notices in any hour; every notice is either sent or recorded as folded; the summaries account for
    /// every folded notice, across the restart, and the last one says that nothing is open any more (hardening 2,
    /// finding 5: a flapping supply sent 90 SMS a minute).
    @Test func aFlappingCauseIsBoundedAndSummarised() throws {
        let rig = try NotifyRig(levels: #"[ { after: "0s", to: ["county"] } ]"#, maxPerHour: 4)
        let f = rig.f
        var minute = 0
        for cycle in 0..<12 {
            for (c, n) in [(11.0, 7), (5.0, 3)] {
                for _ in 0..<n {
                    f.feed(c, minutes: 1, from: minute)
                    rig.step(f.t0.addingTimeInterval(Double(minute) * 60 + 1))
                    minute += 1
                }
            }
            if cycle == 6 { try rig.restart(at: f.t0.addingTimeInterval(Double(minute) * 60)) }
        }
        // Quiet: the last summary is due 10 minutes after the last folded notice.
        for m in minute..<(minute + 15) { f.feed(5, minutes: 1, from: m); rig.step(f.t0.addingTimeInterval(Double(m) * 60 + 1)) }
        let events = try LedgerReader(path: f.config.storage.path).events(types: ["alarm.notified"]).compactMap { e -> (Date, AlarmNotified)? in
            guard case .alarmNotified(let n)? = try e.typed(), let at = RFC3339.parse(e.recordedAt) else { return nil }
            return (at, n)
        }
        let county = events.filter { $0.1.channel == "county" }
        // A notice sent is its first attempt's events (one per number) at one time.
        let sentTimes = Set(county.filter { $0.1.folded != true && $0.1.attempt == 1 }.map(\.0)).sorted()
        for t in sentTimes {
            let inHour = sentTimes.filter { $0 >= t && $0.timeIntervalSince(t) < 3600 }.count
            #expect(inHour <= 4, "\(inHour) notices in the hour from \(t)")
        }
        let alarms = try f.events("alarm.opened").count
        let folded = county.filter { $0.1.folded == true }
        let sentNotices = Set(county.filter { $0.1.folded != true && $0.1.kind != .summary }.map { "\($0.1.alarm) \($0.1.kind)" }).count
        #expect(alarms >= 10, "the flapping opened \(alarms) alarms")
        #expect(folded.count + sentNotices == 2 * alarms, "every opened and closed notice is sent or folded: \(folded.count) + \(sentNotices) of \(2 * alarms)")
        let summaries = county.filter { $0.1.kind == .summary && $0.1.ok }
        let summaryRounds = Dictionary(grouping: summaries, by: \.0).values.map { $0[0].1 }
        #expect(summaryRounds.compactMap(\.folds).reduce(0, +) == folded.count, "the summaries account for every folded notice")
        let texts = rig.smsCalls().compactMap { $0.last }
        let last = try #require(texts.last)
        #expect(last.contains("【冷链报警·汇总】") && last.contains("现在均已结束"), "\(last)")
        #expect(try rig.notified().filter { !$0.ok && $0.folded != true }.isEmpty)
        print("flapping for \(minute) min: \(alarms) alarms, \(sentTimes.count) notices sent (\(summaryRounds.count) summaries), "
              + "\(folded.count) folded, \(rig.smsCalls().count) SMS calls; max 4 notices an hour per cause, fridge and channel")
    }

    /// `notify test`: every channel, now, recorded as alarm 0; a channel whose URL file is gone says so.
    @Test func notifyTestReachesEveryChannel() throws {
        let rig = try NotifyRig()
        let results = try rig.center.sendTest(channel: nil, now: rig.f.t0).get()
        #expect(results.map(\.channel) == ["county", "county", "county", "duty", "head", "modem", "site"])
        // mmcli: the SMS created on modem 2, then sent by the path it printed; a quote in the text cannot end its value.
        let mmcli = ((try? String(contentsOfFile: rig.smsLog + ".mmcli", encoding: .utf8)) ?? "").split(separator: "\n").map { $0.split(separator: "\u{1F}").map(String.init) }
        #expect(mmcli.count == 2 && mmcli.first?.prefix(2) == ["-m", "2"] && mmcli.first?.last?.hasPrefix("--messaging-create-sms=text='【冷链报警·测试】") == true
                && mmcli.first?.last?.hasSuffix("',number='+8613400000006'") == true && mmcli.last == ["-s", "7", "--send"], "\(mmcli)")
        #expect(results.allSatisfy { $0.ok }, "\(results.filter { !$0.ok })")
        #expect(try rig.robots().allSatisfy { $0["body"]?["text"]?["content"]?.stringValue?.hasPrefix("【冷链报警·测试】") == true })
        unlink(rig.f.dir.file("wecom.url"))
        let missing = try rig.center.sendTest(channel: "duty", now: rig.f.t0.addingTimeInterval(60)).get()
        #expect(missing.first?.ok == false && missing.first?.error?.contains("no webhook URL") == true)
        let tests = try rig.notified().filter { $0.kind == .test }
        #expect(tests.count == 8)
    }
}

/// A robot that accepts the connection and never answers: the attempt fails at its time limit, is recorded, and
/// polling goes on meanwhile (the notify queue is its own).
@Suite(.serialized) struct NotifyDaemonTests {
    @Test func aHangingRobotNeverHoldsUpPolling() async throws {
        let probes = Probes()
        probes.set(1, .celsius(5)); probes.set(2, .celsius(5))
        let server = try ModbusServer(tcpHost: "127.0.0.1", port: 0) { probes.handle($0, $1) }
        try server.start()
        defer { server.stop() }
        // A listening socket nobody accepts from: connect succeeds (the backlog), no answer ever comes.
        let (hang, port) = try #require(boundLoopbackSocket())
        defer { close(hang) }
        listen(hang, 8)
        let dir = TempDir("cc-notify-daemon")
        dir.write("hang.url", "http://127.0.0.1:\(port)/cgi-bin/webhook/send?key=K")
        let config = pollerConfig(port: server.port).replacingOccurrences(of: "alarm_output: { bus: \"lan\", unit: 9, coil: 3 } } ] }", with: """
            alarm_output: { bus: "lan", unit: 9, coil: 3 } } ],
              notify: { levels: [ { after: "0s", to: ["duty"] } ], channels: { duty: { type: "wecom", url_file: "hang.url" } } } }
            """)
        let d = try InProcessDaemon(dir: dir, configText: config)
        try await d.waitReady()
        probes.set(1, .celsius(11))
        #expect(try await waitUntil(90) { try d.events().contains { $0.type == "alarm.notified" } }, "\(d.log.all.suffix(5))")
        #expect(await d.stop() == 0)
        let events = try d.events()
        let opened = try #require(events.first { $0.type == "alarm.opened" }).seq
        let notified = try #require(events.first { $0.type == "alarm.notified" })
        #expect(notified.bodyValue["ok"] == false, "\(notified.body)")
        let meanwhile = events.filter { $0.type == "reading" && $0.seq > opened && $0.seq < notified.seq }.count
        #expect(meanwhile >= 5, "readings recorded while the robot hung: \(meanwhile)")
    }
}
