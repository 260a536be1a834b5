import ColdChain
import Foundation
import Testing

/// HMAC-SHA256 against RFC 4231, DingTalk's signature (against Python), the escalation rule with an injected time, the
/// message text, and phone masking.
@Suite struct NotifyRuleTests {
    static func hex(_ s: String) -> [UInt8] {
        var out: [UInt8] = []
        var i = s.startIndex
        while i < s.endIndex { let j = s.index(i, offsetBy: 2); out.append(UInt8(s[i..<j], radix: 16)!); i = j }
        return out
    }

    /// RFC 4231 test cases 1, 2, 3, 4, 6 and 7 (5 is a truncated output).
    @Test(arguments: [
        ("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "4869205468657265", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        ("4a656665", "7768617420646f2079612077616e7420666f72206e6f7468696e673f", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        (String(repeating: "aa", count: 20), String(repeating: "dd", count: 50), "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        ("0102030405060708090a0b0c0d0e0f10111213141516171819", String(repeating: "cd", count: 50), "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        (String(repeating: "aa", count: 131), "54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374",
         "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        (String(repeating: "aa", count: 131), "5468697320697320612074657374207573696e672061206c6172676572207468616e20626c6f636b2d73697a65206b657920616e642061206c6172676572207468616e20626c6f636b2d73697a6520646174612e20546865206b6579206e6565647320746f20626520686173686564206265666f7265206265696e6720757365642062792074686520484d414320616c676f726974686d2e",
         "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
    ])
    func hmacMatchesRFC4231(key: String, data: String, mac: String) {
        #expect(HMACSHA256.mac(key: Self.hex(key), message: Self.hex(data)) == Self.hex(mac))
    }

    /// DingTalk's signature, computed independently by Python's hmac.
    @Test func dingtalkSignatureMatchesPython() throws {
        let secret = "SEC1234567890abcdef+/=中", millis: Int64 = 1_795_468_287_523
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = ["-c", """
            import base64, hashlib, hmac, sys, urllib.parse
            s = sys.argv[1]; ts = sys.argv[2]
            d = hmac.new(s.encode(), f"{ts}\\n{s}".encode(), digestmod=hashlib.sha256).digest()
            print(urllib.parse.quote_plus(base64.b64encode(d)))
            """, secret, String(millis)]
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        p.waitUntilExit()
        #expect(RobotWebhook.dingtalkSign(secret: secret, millis: millis) == out)
        #expect(RobotWebhook.dingtalkSignedURL("https://oapi.dingtalk.com/robot/send?access_token=T", secret: secret, millis: millis)
                == "https://oapi.dingtalk.com/robot/send?access_token=T&timestamp=\(millis)&sign=\(out)")
    }

    @Test func robotAnswers() {
        #expect(RobotWebhook.outcome(status: 200, body: Array(#"{"errcode":0,"errmsg":"ok"}"#.utf8), redaction: Redaction()) == .ok)
        #expect(RobotWebhook.outcome(status: 200, body: Array(#"{"errcode":93000,"errmsg":"invalid webhook url"}"#.utf8), redaction: Redaction()) == .failed("errcode 93000: invalid webhook url"))
        #expect(RobotWebhook.outcome(status: 502, body: [], redaction: Redaction()) == .failed("HTTP 502"))
        guard case .failed(let why) = RobotWebhook.outcome(status: 200, body: Array("<html>\u{1B}[31m".utf8), redaction: Redaction()) else { Issue.record("accepted"); return }
        #expect(!why.contains("\u{1B}"))
    }

    /// An echoing portal or proxy page quotes the request: the key, the token, the secret and the signature are taken
    /// out in every form before anything is kept, and what is kept is short and escaped (hardening 2, finding 1).
    @Test func anEchoedKeyNeverReachesTheRecord() {
        let url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
        var r = Redaction.url(url)
        r.add("SEC1234567890abcdef")
        let echoes = [
            "<html>Portal: you asked for POST \(url) - please log in</html>",
            "GET /cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa HTTP/1.1",
            "key%3D693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa and the secret SEC1234567890abcdef",
            String(repeating: "x", count: 70) + "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa",
        ]
        for echo in echoes {
            guard case .failed(let why) = RobotWebhook.outcome(status: 200, body: Array(echo.utf8), redaction: r) else { Issue.record("accepted"); continue }
            #expect(!why.contains("693a91f6") && !why.contains("SEC1234567890") && !why.contains("0ec2sifa5aaa"), "\(why)")
            #expect(why.count < 120)
        }
        // errmsg quoting the request too.
        let json = #"{"errcode":93000,"errmsg":"invalid webhook url, hint: [1700000000_693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa]"}"#
        #expect(RobotWebhook.outcome(status: 200, body: Array(json.utf8), redaction: r) == .failed("errcode 93000: invalid webhook url, hint: [1700000000_…]"))
        // DingTalk's token in the query, and a token in the path (Feishu-style).
        let ding = Redaction.url("https://oapi.dingtalk.com/robot/send?access_token=abcdef0123456789&timestamp=1&sign=zz%2Bq%3D%3Dabcd")
        #expect(ding.excerpt("token abcdef0123456789 sign zz+q==abcd") == "token … sign …")
        #expect(Redaction.url("https://open.feishu.cn/open-apis/bot/v2/hook/0d1c2b3a-4e5f-6789-abcd-ef0123456789").excerpt("hook 0d1c2b3a-4e5f-6789-abcd-ef0123456789 gone") == "hook … gone")
        // Short query values are not secrets to look for (they would blank ordinary text).
        #expect(Redaction.url("https://h/x?a=1&key=abcdefgh").excerpt("a=1 key=abcdefgh") == "a=1 key=…")
        #expect("a%2Fb%zz%4".percentDecoded == "a/b%zz%4")
    }

    static let t0 = Date(timeIntervalSince1970: 1_795_000_000)
    static let plan = NotifyPlan(levels: [.init(after: 0, to: ["duty"]), .init(after: 1800, to: ["head"]), .init(after: 5400, to: ["county"])],
                                 causeLevels: [.power: [.init(after: 0, to: ["duty", "head"]), .init(after: 3600, to: ["county"])]],
                                 repeatEvery: 1800, channels: [:])

    @Test func threeLevelsRemindersThenAcknowledgedAndClosed() {
        var e = Escalation(plan: Self.plan)
        func at(_ m: Double) -> Date { Self.t0.addingTimeInterval(m * 60) }
        e.opened(.init(id: 1, cause: .excursion, fridge: "F2", sensor: "F2-air", openedAt: at(0)))
        #expect(e.due(at(0)) == [.init(alarm: 1, level: 0, kind: .opened, channels: ["duty"])])
        #expect(e.due(at(29)).isEmpty)
        #expect(e.due(at(30)) == [.init(alarm: 1, level: 1, kind: .escalated, channels: ["head"]),
                                  .init(alarm: 1, level: 0, kind: .reminder, channels: ["duty"])])
        #expect(e.due(at(60)) == [.init(alarm: 1, level: 0, kind: .reminder, channels: ["duty"]), .init(alarm: 1, level: 1, kind: .reminder, channels: ["head"])])
        #expect(e.due(at(90)) == [.init(alarm: 1, level: 2, kind: .escalated, channels: ["county"]),
                                  .init(alarm: 1, level: 0, kind: .reminder, channels: ["duty"]), .init(alarm: 1, level: 1, kind: .reminder, channels: ["head"])])
        #expect(e.acknowledged(alarm: 1).map(\.level) == [0, 1, 2])
        #expect(e.acknowledged(alarm: 1).isEmpty, "once")
        #expect(e.due(at(500)).isEmpty, "no more levels or reminders once acknowledged")
        #expect(e.closed(alarm: 1) == [0, 1, 2].map { .init(alarm: 1, level: $0, kind: .closed, channels: Self.plan.levels[$0].to) })
        #expect(e.alarms.isEmpty)
    }

    @Test func aPowerAlarmHasItsOwnLevelsAndAClockStepIsNoWaiting() {
        var e = Escalation(plan: Self.plan)
        e.opened(.init(id: 7, cause: .power, fridge: "*", sensor: "ups:u", openedAt: Self.t0))
        #expect(e.due(Self.t0) == [.init(alarm: 7, level: 0, kind: .opened, channels: ["duty", "head"])])
        e.clockStepped(by: 86_400)
        #expect(e.due(Self.t0.addingTimeInterval(86_400 + 60)).isEmpty, "a day's jump escalated nothing")
        #expect(e.due(Self.t0.addingTimeInterval(86_400 + 3600)).first == .init(alarm: 7, level: 1, kind: .escalated, channels: ["county"]))
        // Closed before anyone further was told: only those told hear it.
        var f = Escalation(plan: Self.plan)
        f.opened(.init(id: 8, cause: .noData, fridge: "F1", sensor: "F1-air", openedAt: Self.t0))
        _ = f.due(Self.t0)
        #expect(f.closed(alarm: 8).map(\.channels) == [["duty"]])
    }

    @Test func handlingBuckets() {
        #expect([0, 1800, 1801, 3600, 7200, 7201].map { HandlingBucket(seconds: $0) } == [.within30, .within30, .within60, .within60, .within120, .over120])
    }

    @Test func messageTextIsStable() {
        let m = AlarmMessage(kind: .opened, level: 1, alarm: 3, cause: .excursion, fridge: "F2", fridgeName: "疫苗冰箱2", sensor: "F2-air", celsius: 11.3,
                             lowC: 2, highC: 8, openedAt: Self.t0, openedLocal: "09:15", minutes: 25, gateway: "gw-1", site: "社区卫生服务中心")
        #expect(m.text == "【冷链报警】疫苗冰箱2 (F2) 11.3 °C，超出 2.0–8.0 °C，自 09:15 起 25 分钟，未确认 [gw-1]")
        var ack = m
        ack.kind = .acknowledged; ack.acknowledgedBy = "wangli"; ack.note = "门已关"
        #expect(ack.text == "【冷链报警·已确认】疫苗冰箱2 (F2) 11.3 °C，超出 2.0–8.0 °C，自 09:15 起 25 分钟，已由 wangli 确认：门已关 [gw-1]")
        var power = m
        power.kind = .escalated; power.level = 2; power.cause = .power; power.fridge = "*"; power.sensor = "ups:u"
        #expect(power.text == "【冷链报警·第2级】全部冰箱 断电 (ups:u)，自 09:15 起 25 分钟，未确认 [gw-1]")
        #expect(m.facts["c"] == 11.3 && m.facts["cause"] == "excursion" && m.facts["text"] == .string(m.text))
        #expect(AlarmMessage.number(.nan) == "?" && AlarmMessage.number(1e300) == "?")
    }

    @Test func phoneNumbers() {
        #expect(PhoneNumber.isValid("13800000000") && PhoneNumber.isValid("+8613800000000") && !PhoneNumber.isValid("138-0000") && !PhoneNumber.isValid("1234"))
        #expect(PhoneNumber.masked("13812345678") == "138****5678" && PhoneNumber.masked("+8613812345678") == "+86*******5678")
    }
}
