import Foundation
import Glibc
import PlatformHTTP
import Testing
import TestSupport

/// The libcurl client against real servers on 127.0.0.1 (Tests/Interop/platform_receiver.py, plain and TLS), with
/// certificates this test makes with `openssl` (TestPKI).
@Suite(.serialized) struct HTTPClientTests {
    static let batch = Array(#"{"events":[]}"#.utf8)
    static func post(_ url: String, _ settings: HTTPSettings) throws -> Result<HTTPResponse, HTTPFailure> {
        try HTTPClient(settings: settings).perform(HTTPRequest(.post, url: url + "/v1/events",
                                                               headers: ["Authorization: Bearer secret-token", "Content-Type: application/json"], body: batch))
    }

    /// What a request came to: the status, or libcurl's words.
    static func outcome(_ r: Result<HTTPResponse, HTTPFailure>) -> String {
        switch r {
        case .success(let response): "HTTP \(response.status)"
        case .failure(let f): f.message
        }
    }

    @Test func tlsIsVerifiedAndAnswersInLibcurlsWords() async throws {
        let pki = try TestPKI()
        // The requests block: they run off Swift's pool; what they came to is checked here, in the test.
        let (results, unverifiedSaw, mutualSaw) = try await offPool { () -> ([String], Int, Int) in
            let good = try pki.receiver(cert: "server")
            let selfSigned = try pki.receiver(cert: "self")
            let wrongHost = try pki.receiver(cert: "elsewhere")
            let mutual = try pki.receiver(cert: "server", requireClient: true)
            let (cert, key) = pki.cert("client")
            let withCA = HTTPSettings(timeout: 20, caFile: pki.ca)
            let results = [
                try Self.post("https://127.0.0.1:\(good.port)", withCA),                         // the test CA as ca_file
                try Self.post("https://127.0.0.1:\(good.port)", HTTPSettings(timeout: 20)),      // the system's CAs only
                try Self.post("https://127.0.0.1:\(selfSigned.port)", withCA),
                try Self.post("https://127.0.0.1:\(wrongHost.port)", withCA),
                try Self.post("https://127.0.0.1:\(mutual.port)", withCA),                       // no client certificate
                try Self.post("https://127.0.0.1:\(mutual.port)", HTTPSettings(timeout: 20, caFile: pki.ca, clientCert: cert, clientKey: key)),
            ].map(Self.outcome)
            return (results, selfSigned.requestLines.count + wrongHost.requestLines.count, mutual.requestLines.count)
        }
        #expect(results[0] == "HTTP 200", "a chain to the given CA is accepted: \(results[0])")
        #expect(results[1].hasPrefix("SSL certificate problem: unable to get local issuer certificate"), "\(results[1])")
        #expect(results[2] == "SSL certificate problem: self-signed certificate", "\(results[2])")
        #expect(results[3].contains("no alternative certificate subject name matches target host name '127.0.0.1'"), "\(results[3])")
        #expect(!results[4].hasPrefix("HTTP"), "served without a client certificate: \(results[4])")
        #expect(results[5] == "HTTP 200", "with the client certificate: \(results[5])")
        #expect(unverifiedSaw == 0, "no request reached a server that failed verification")
        #expect(mutualSaw == 1, "only the authenticated request arrived")
    }

    /// Through Debian's tinyproxy, started here on loopback: an https request goes as a CONNECT tunnel, and TLS is
    /// still verified end to end (the proxy sees only the tunnel).
    @Test func throughACONNECTProxy() async throws {
        let pki = try TestPKI()
        let dir = TempDir("cc-proxy")
        let port = Int.random(in: 12000...15999)   // below the ephemeral range (32768 up)
        dir.write("tinyproxy.conf", """
            Port \(port)
            Listen 127.0.0.1
            Allow 127.0.0.1
            Timeout 30
            LogFile "\(dir.file("tinyproxy.log"))"
            LogLevel Info
            MaxClients 10
            """)
        let proxy = try Subprocess(absolute: "/usr/bin/tinyproxy", ["-d", "-c", dir.file("tinyproxy.conf")], outputDir: dir.path)
        defer { proxy.signal(SIGTERM) }
        let (through, direct) = try await offPool { () -> (String, String) in
            // tinyproxy says nothing on stdout when ready: wait until its port accepts, for up to a minute.
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline, shell("python3 -c \"import socket; socket.create_connection(('127.0.0.1', \(port)), 1)\"").status != 0 {
                usleep(50_000)
            }
            let good = try pki.receiver(cert: "server")
            let url = "https://127.0.0.1:\(good.port)"
            let viaProxy = Self.outcome(try Self.post(url, HTTPSettings(timeout: 20, caFile: pki.ca, proxy: "http://127.0.0.1:\(port)")))
            // Verification is not the proxy's to skip: the self-signed server is refused through it too.
            let selfSigned = try pki.receiver(cert: "self")
            let refused = Self.outcome(try Self.post("https://127.0.0.1:\(selfSigned.port)", HTTPSettings(timeout: 20, caFile: pki.ca, proxy: "http://127.0.0.1:\(port)")))
            return (viaProxy, refused)
        }
        #expect(through == "HTTP 200", "\(through)")
        #expect(direct == "SSL certificate problem: self-signed certificate", "\(direct)")
        let log = (try? String(contentsOfFile: dir.file("tinyproxy.log"), encoding: .utf8)) ?? ""
        #expect(log.contains("CONNECT"), "the request went through the proxy: \(log.suffix(500))")
    }

    @Test func resetsDripsHugeAnswersAndRedirects() async throws {
        let (results, huge, moved, elsewhereSaw) = try await offPool { () -> ([String], HTTPResponse?, HTTPResponse?, Int) in
            let elsewhere = try Receiver(dir: TempDir("cc-elsewhere"), plan: [])
            let target = "http://127.0.0.1:\(elsewhere.port)/v1/events"
            let r = try Receiver(dir: TempDir("cc-faults"), plan: ["reset", "drip", "huge:100", "redirect:307:\(target)"])
            let client = try HTTPClient(settings: HTTPSettings(timeout: 60, lowSpeedTime: 2))
            func post() -> Result<HTTPResponse, HTTPFailure> {
                client.perform(HTTPRequest(.post, url: "http://127.0.0.1:\(r.port)/v1/events", headers: ["Authorization: Bearer secret-token"], body: Self.batch))
            }
            let reset = post(), drip = post(), huge = post(), moved = post(), after = post()
            let codes = [reset, drip].map { r -> String in if case .failure(let f) = r { "\(f.code) \(f.message)" } else { Self.outcome(r) } }
            return (codes + [Self.outcome(after)], try? huge.get(), try? moved.get(), elsewhere.requestLines.count)
        }
        // A reset is said at once, in libcurl's words (URLSession waited out its timeout and called it one).
        #expect(!results[0].hasPrefix("28 ") && !results[0].hasPrefix("HTTP"), "\(results[0])")
        #expect(results[0].contains("reset") || results[0].contains("Empty reply"), "\(results[0])")
        // A byte a second: a timeout from the low-speed limit (2 s), not a hang until the 60 s total.
        #expect(results[1].hasPrefix("28 ") && results[1].contains("too slow"), "\(results[1])")
        // 100 MB: 1 MiB kept, the rest read and thrown away.
        #expect(huge?.status == 200 && huge?.body.count == 1 << 20 && huge?.discarded == (100 << 20) - (1 << 20))
        // A 307 is the answer: not followed; the other host never sees the token.
        #expect(moved?.status == 307 && moved?.headers["location"]?.hasSuffix("/v1/events") == true)
        #expect(elsewhereSaw == 0)
        // The handle goes on working after all of that.
        #expect(results[2] == "HTTP 200", "\(results[2])")
    }
}
