import ColdChain
import Control
import Foundation
@testable import Gateway
import Glibc
import Testing
import TestSupport

/// What a hostile or broken platform answer did to the uplink: a Retry-After that killed the daemon, redirects
/// that carried the token to another host and counted lost events as stored, escape sequences in its errors.
@Suite(.serialized) struct UplinkHardeningTests {
    static func requests(_ store: String) -> [JSONValue] {
        ((try? String(contentsOfFile: store + ".requests", encoding: .utf8)) ?? "").split(separator: "\n")
            .compactMap { try? JSONValue.parse(Data($0.utf8)) }
    }

    static func outbox(_ sock: String) async throws -> JSONValue? {
        guard case .ok(let o) = try await call(sock, ControlRequest(cmd: "outbox")) else { return nil }
        return o
    }

    /// `Retry-After: nan` (and -inf, -1e300) on a 503 trapped in DurationText.describe from UplinkService.run; the
    /// batch was sent again after every restart, so under systemd it was a crash loop.
    @Test func aRetryAfterThatIsNotANumberIsIgnored() async throws {
        let dir = TempDir("cc-retry-after")
        let receiver = try Receiver(dir: dir, plan: ["retry-after:nan", "retry-after:-inf", "retry-after:-1e300", "retry-after:1e300", "ok"])
        let d = try InProcessDaemon(dir: dir, configText: uplinkConfig(port: receiver.port, dir: dir))
        try await d.waitReady()
        let sock = d.config.control.socket
        #expect(try await waitUntil(40) { try await Self.outbox(sock)?["pending"] == 0 })
        #expect(receiver.received.count == 2, "gateway.started and config.loaded, stored once the platform accepts")
        #expect(await d.stop() == 0)
    }

    /// Each redirect code, to a second host that must never see the token or the events.
    @Test func redirectsAreRefusedAndTheTokenStaysHome() async throws {
        let dir = TempDir("cc-redirect")
        let elsewhere = try Receiver(dir: TempDir("cc-elsewhere"), plan: [])
        let target = "http://127.0.0.1:\(elsewhere.port)/v1/events"
        let receiver = try Receiver(dir: dir, plan: ["redirect:307:\(target)", "redirect:308:\(target)", "redirect:301:\(target)",
                                                     "redirect:302:\(target)", "ok"])
        let d = try InProcessDaemon(dir: dir, configText: uplinkConfig(port: receiver.port, dir: dir))
        try await d.waitReady()
        let sock = d.config.control.socket
        for code in [307, 308, 301, 302] {
            #expect(try await waitUntil(15) {
                guard let o = try await Self.outbox(sock) else { return false }
                return o["state"] == "rejected" && (o["last_error"]?.stringValue?.hasPrefix("HTTP \(code): the platform redirects to \(target)") ?? false)
            }, "HTTP \(code)")
            // Still pending: a redirect's target answering 200 never counts as stored.
            #expect(try await Self.outbox(sock)?["pending"] == 2)
            _ = try await call(sock, ControlRequest(cmd: "uplink", args: ["action": "retry"]))
        }
        #expect(try await waitUntil(15) { try await Self.outbox(sock)?["pending"] == 0 })
        #expect(Self.requests(elsewhere.store).isEmpty, "the other host saw nothing: \(Self.requests(elsewhere.store))")
        #expect(await d.stop() == 0)
    }

    @Test func theHoldsDownloadDoesNotFollowRedirectsEither() async throws {
        let dir = TempDir("cc-holds-redirect")
        let elsewhere = try Receiver(dir: TempDir("cc-elsewhere"), plan: [])
        let receiver = try Receiver(dir: dir, plan: [])
        dir.write("received.jsonl.holds-redirect", "http://127.0.0.1:\(elsewhere.port)/v1/holds")
        let config = uplinkConfig(port: receiver.port, dir: dir).replacingOccurrences(of: #"timeout: "2s" }"#, with: #"timeout: "2s", holds_interval: "10s" }"#)
        let d = try InProcessDaemon(dir: dir, configText: config)
        try await d.waitReady()
        #expect(try await waitUntil(15) { d.log.contains("holds: cannot fetch from the platform: HTTP 307: the platform redirects to") })
        #expect(Self.requests(elsewhere.store).isEmpty)
        #expect(await d.stop() == 0)
    }

    /// A platform's 4xx body carrying escape sequences is kept as data (outbox --json shows it JSON-escaped) and
    /// logged with the escapes visible, never raw.
    @Test func aRefusalWithEscapeSequencesIsLoggedEscaped() async throws {
        let dir = TempDir("cc-uplink-esc")
        let receiver = try Receiver(dir: dir, plan: ["400esc"])
        let d = try InProcessDaemon(dir: dir, configText: uplinkConfig(port: receiver.port, dir: dir))
        try await d.waitReady()
        #expect(try await waitUntil(10) { d.log.contains("refused the batch") })
        let line = try #require(d.log.all.first { $0.contains("refused the batch") })
        #expect(!line.dropLast().unicodeScalars.contains { String.needsEscape($0) }, "\(line.escapedForTerminal)")
        #expect(line.contains("bad batch \\x1b]0;PWNED\\x07\\x1b[31mred"))
        #expect(await d.stop() == 0)
    }

    /// Holds from the platform are checked as strictly as scanned codes: a bad check digit, a lot outside GS1's
    /// character set, an escape sequence in a reason are ignored and counted, the good ones kept.
    @Test func malformedPlatformHoldsAreIgnored() async throws {
        let dir = TempDir("cc-holds-bad")
        let receiver = try Receiver(dir: dir, plan: [])
        dir.write("received.jsonl.holds", #"{"holds":[{"gtin":"09506000134352","lot":"L9","reason":"recall"},"# +
                  #"{"gtin":"09506000134353","reason":"bad check digit"},{"gtin":"09506000134352","lot":"L 9","reason":"space"},"# +
                  #"{"gtin":"09506000134352","reason":"\u001b]0;PWNED\u0007"}]}"#)
        let config = uplinkConfig(port: receiver.port, dir: dir).replacingOccurrences(of: #"timeout: "2s" }"#, with: #"timeout: "2s", holds_interval: "10s" }"#)
        let d = try InProcessDaemon(dir: dir, configText: config)
        try await d.waitReady()
        #expect(try await waitUntil(15) { d.log.contains("3 of the platform's holds are malformed") })
        // The count is logged before the good hold is recorded: wait for that too before listing.
        #expect(try await waitUntil(15) { d.log.contains("holds: 1 added, 0 removed by the platform") })
        guard case .ok(let list) = try await call(d.config.control.socket, ControlRequest(cmd: "hold", args: ["action": "list"])) else { Issue.record("list"); return }
        #expect(list.arrayValue?.count == 1 && list.arrayValue?.first?["lot"] == "L9")
        #expect(await d.stop() == 0)
    }
}
