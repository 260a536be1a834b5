import ColdChain
import FoundationEssentials
import PlatformHTTP

/// Sends one message through one channel, blocking (on the notify queue, never the cooperative pool), and says
/// how each recipient fared. Robot URLs and secrets are read when sent (a rotated key needs no restart) and never
/// logged or recorded: errors name the channel, not its URL.
final class ChannelSender {
    struct Attempt: Equatable {
        /// Masked for a phone number (138****0000); "group" for a robot; the command's name.
        var recipient: String
        /// The unmasked number, to retry this recipient only; nil for a robot or the command.
        var number: String?
        var error: String?
    }

    let gateway: String
    let alarmCommand: String?
    /// Where SMS tools are looked up (the daemon's PATH).
    let searchPath: String
    let clock: any WallClock
    /// Made on first use; used only on the channel's queue (the sender is `Serialized`), so no queue of its own.
    private var client: HTTPClient?
    static let timeLimit = 30.0
    /// A robot's whole request, in seconds (no progress for half of it also ends it).
    let robotTimeout: Double

    init(gateway: String, alarmCommand: String?, searchPath: String, clock: any WallClock, robotTimeout: Double = 20) {
        self.gateway = gateway; self.alarmCommand = alarmCommand; self.searchPath = searchPath; self.clock = clock
        self.robotTimeout = robotTimeout
    }

    var toolEnvironment: [String: String] { ToolRun.environment(gateway: gateway, path: searchPath) }

    /// Sends `message`; `only` limits an SMS channel to the numbers still to be told (a retry).
    func send(_ message: AlarmMessage, via channel: NotifyPlan.Channel, only numbers: [String]? = nil) -> [Attempt] {
        switch channel.kind {
        case .wecom, .dingtalk: return [postRobot(message, channel)]
        case .sms: return (numbers ?? channel.numbers).map { sendSMS(message.text, to: $0, channel) }
        case .command: return [runCommand(message, channel)]
        }
    }

    // MARK: robots

    func postRobot(_ message: AlarmMessage, _ channel: NotifyPlan.Channel) -> Attempt {
        func failed(_ why: String) -> Attempt { Attempt(recipient: "group", number: nil, error: why) }
        guard let url = Credentials.read(file: channel.urlFile, credential: "notify-\(channel.name)-url", clean: { $0.trimmingWhitespace }) else {
            return failed("no webhook URL: set url_file or the systemd credential notify-\(channel.name)-url")
        }
        guard case .ok = PlatformURL.check(url) else { return failed("the webhook URL is not https (or http to this machine)") }
        var target = url
        // Everything quoted of the robot's answer or of libcurl's words passes through this: the URL, its key or
        // token, DingTalk's secret and signature never reach the record or the log.
        var redaction = Redaction.url(url)
        let body: JSONValue
        if channel.kind == .dingtalk {
            if let secret = Credentials.read(file: channel.secretFile, credential: "notify-\(channel.name)-secret", clean: { $0.trimmingWhitespace }) {
                let millis = Int64((clock.now().timeIntervalSince1970 * 1000).rounded())
                target = RobotWebhook.dingtalkSignedURL(url, secret: secret, millis: millis)
                redaction.add(secret)
                redaction.add(Redaction.url(target))
            } else if channel.secretFile != nil {
                return failed("cannot read the signing secret (secret_file)")
            }
            body = RobotWebhook.dingtalkBody(text: message.text, mobiles: channel.mobiles)
        } else {
            body = RobotWebhook.wecomBody(text: message.text, mobiles: channel.mobiles)
        }
        do {
            if client == nil {
                client = try HTTPClient(settings: HTTPSettings(timeout: robotTimeout, connectTimeout: 10, lowSpeedTime: robotTimeout / 2, maxBody: 64 << 10))
            }
        } catch {
            return failed("HTTP client: \(error)")
        }
        let request = HTTPRequest(.post, url: target, headers: ["Content-Type: application/json"], body: Array(body.serialized.utf8))
        switch client!.perform(request) {
        case .failure(let e): return failed(redaction.excerpt(e.message, limit: 300))
        case .success(let r):
            switch RobotWebhook.outcome(status: r.status, body: r.body, redaction: redaction) {
            case .ok: return Attempt(recipient: "group", number: nil, error: nil)
            case .failed(let why): return failed(why)
            }
        }
    }

    // MARK: SMS

    func sendSMS(_ text: String, to number: String, _ channel: NotifyPlan.Channel) -> Attempt {
        let masked = PhoneNumber.masked(number)
        func result(_ error: String?) -> Attempt { Attempt(recipient: masked, number: number, error: error) }
        switch channel.tool {
        case .gammu:
            guard let tool = ToolRun.find("gammu-smsd-inject", in: searchPath) else { return result("gammu-smsd-inject is not installed (Debian: gammu-smsd)") }
            // gammu sends one part of up to 70 UCS-2 characters unless told the length; -len makes it split as
            // the phone expects (a concatenated SMS).
            let units = text.utf16.count
            let args = ["TEXT", number, "-unicode"] + (units > 70 ? ["-len", String(units)] : []) + ["-text", text]
            return result(ToolRun.run(tool, args, environment: toolEnvironment, timeLimit: Self.timeLimit).failure)
        case .mmcli:
            guard let tool = ToolRun.find("mmcli", in: searchPath) else { return result("mmcli is not installed (Debian: modemmanager)") }
            // mmcli reads key='value' pairs: a quote in the text would end it early.
            let safe = text.replacing("'", with: "’")
            let created = ToolRun.run(tool, ["-m", String(channel.modem), "--messaging-create-sms=text='\(safe)',number='\(number)'"],
                                      environment: toolEnvironment, timeLimit: Self.timeLimit)
            guard case .exited(0, let out) = created else { return result(created.failure) }
            guard let range = out.firstRange(of: "/SMS/"), let id = Int(out[range.upperBound...].prefix { $0.isNumber }) else {
                return result("mmcli did not say which SMS it created: \(out.truncated(80).escapedForTerminal)")
            }
            return result(ToolRun.run(tool, ["-s", String(id), "--send"], environment: toolEnvironment, timeLimit: Self.timeLimit).failure)
        }
    }

    // MARK: command

    func runCommand(_ message: AlarmMessage, _ channel: NotifyPlan.Channel) -> Attempt {
        guard let command = alarmCommand else { return Attempt(recipient: "alarm_command", number: nil, error: "alarm_command is not set") }
        let payload: JSONValue = ["gateway": .string(gateway), "notice": message.facts]
        let outcome = ToolRun.run(command, [], stdin: Array((payload.serialized + "\n").utf8), environment: toolEnvironment, timeLimit: Self.timeLimit)
        return Attempt(recipient: "alarm_command", number: nil, error: outcome.failure)
    }
}
