import FoundationEssentials

/// The group robots of WeChat Work (企业微信) and DingTalk (钉钉): the JSON each takes, DingTalk's signed URL, and
/// what their answer means. Pure; the daemon's NotifyService does the POST.
public enum RobotWebhook {
    /// WeChat Work: `{"msgtype":"text","text":{"content":…,"mentioned_mobile_list":[…]}}` to `…/cgi-bin/webhook/send?key=KEY`.
    public static func wecomBody(text: String, mobiles: [String]) -> JSONValue {
        var t: [String: JSONValue] = ["content": .string(text)]
        if !mobiles.isEmpty { t["mentioned_mobile_list"] = .array(mobiles.map { .string($0) }) }
        return ["msgtype": "text", "text": .object(t)]
    }

    /// DingTalk: `{"msgtype":"text","text":{"content":…},"at":{"atMobiles":[…]}}` to `…/robot/send?access_token=…`.
    public static func dingtalkBody(text: String, mobiles: [String]) -> JSONValue {
        ["msgtype": "text", "text": ["content": .string(text)], "at": ["atMobiles": .array(mobiles.map { .string($0) })]]
    }

    /// DingTalk's signature (Base64 by FoundationEssentials' Data): the URL-encoded Base64 of HMAC-SHA256(secret, "MS\nsecret"), MS the time in milliseconds.
    public static func dingtalkSign(secret: String, millis: Int64) -> String {
        let mac = HMACSHA256.mac(key: Array(secret.utf8), message: Array("\(millis)\n\(secret)".utf8))
        return Data(mac).base64EncodedString().percentEncoded
    }

    /// The URL with `&timestamp=MS&sign=S` appended (`?` when it has no query yet).
    public static func dingtalkSignedURL(_ url: String, secret: String, millis: Int64) -> String {
        url + (url.contains("?") ? "&" : "?") + "timestamp=\(millis)&sign=\(dingtalkSign(secret: secret, millis: millis))"
    }

    /// Both robots answer `{"errcode":0,"errmsg":"ok"}`; anything else, or no such answer, is a failure to retry.
    public enum Outcome: Sendable, Equatable {
        case ok
        case failed(String)
    }

    /// What the answer means, in words safe to record: `redaction` removes the webhook's key, token and secret from
    /// anything quoted of the answer (an echoing portal or proxy page must not put them in the ledger).
    public static func outcome(status: Int, body: [UInt8], redaction: Redaction) -> Outcome {
        guard (200...299).contains(status) else { return .failed("HTTP \(status)") }
        // Secrets are removed from the whole answer before it is parsed or cut: a cut could leave half a key.
        let text = redaction.removingSecrets(String(decoding: body, as: UTF8.self))
        guard let v = try? JSONValue.parse(Data(text.utf8)), let code = v["errcode"]?.intValue else {
            return .failed("an answer without errcode: \"\(redaction.excerpt(text, limit: 80))\"")
        }
        if code == 0 { return .ok }
        let message = v["errmsg"]?.stringValue.map { ": " + redaction.excerpt($0) } ?? ""
        return .failed("errcode \(code)\(message)")
    }
}
