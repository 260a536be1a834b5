import Foundation
import Glibc
import Testing
import TestSupport

/// Mutual TLS with the client key given as systemd gives a credential (`LoadCredential=platform-client-key:...`):
/// a file in $CREDENTIALS_DIRECTORY, and no `client_key` in the configuration. The daemon runs as a child process
/// with that environment against a TLS receiver on 127.0.0.1 that requires a client certificate from the test CA.
@Suite(.serialized) struct PlatformCredentialTests {
    /// A TLS receiver that requires a client certificate, a config with `client_cert` and no `client_key`, and a
    /// credentials folder as systemd makes it: the token and, when `key`, the client key, mode 0400.
    struct Setup {
        let pki: TestPKI
        let receiver: Receiver
        let dir: TempDir
        let config: String
        let credentials: String

        init(key: Bool) throws {
            pki = try TestPKI()
            receiver = try pki.receiver(cert: "server", requireClient: true)
            dir = TempDir("cc-cred")
            config = dir.write("coldchaind.json5", """
                { gateway: { id: "gw-cred", site: "cred" }, storage: { path: "ledger.sqlite" }, control: { socket: "control.sock" },
                  platform: { url: "https://127.0.0.1:\(receiver.port)", ca_file: "\(pki.ca)", client_cert: "\(pki.cert("client").cert)", timeout: "2s" } }
                """)
            credentials = dir.file("credentials")
            mkdir(credentials, 0o700)
            FileManager.default.createFile(atPath: credentials + "/platform-token", contents: Data("secret-token".utf8))
            if key { try FileManager.default.copyItem(atPath: pki.cert("client").key, toPath: credentials + "/platform-client-key") }
            for f in try FileManager.default.contentsOfDirectory(atPath: credentials) { chmod(credentials + "/" + f, 0o400) }
        }

        func daemon() throws -> Subprocess {
            try Subprocess("coldchaind", ["--config", config], environment: ["CREDENTIALS_DIRECTORY": credentials], outputDir: dir.path)
        }
    }

    @Test func theClientKeyComesAsASystemdCredential() throws {
        let s = try Setup(key: true)
        let (receiver, config, creds) = (s.receiver, s.config, s.credentials)

        // Outside the service (no CREDENTIALS_DIRECTORY) --check-config says where the key should come from.
        let outside = try run("coldchaind", ["--config", config, "--check-config"])
        #expect(outside.status == 0, "\(outside.err)")
        #expect((outside.out + outside.err).contains("platform.client_cert: warning: no key for it"), "\(outside.out) \(outside.err)")
        let inside = try run("coldchaind", ["--config", config, "--check-config"], environment: ["CREDENTIALS_DIRECTORY": creds])
        #expect(inside.status == 0 && !(inside.out + inside.err).contains("no key for it"), "\(inside.out) \(inside.err)")

        let d = try s.daemon()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && !receiver.receivedLines.contains(where: { $0.contains("gateway.started") }) { usleep(100_000) }
        d.signal(SIGTERM)
        #expect(d.wait(seconds: 10) == 0)
        #expect(receiver.receivedLines.contains { $0.contains("gateway.started") }, "nothing arrived: \(d.stderr)")
        #expect(receiver.requestLines.allSatisfy { $0.contains("secret-token") }, "the token came from the credential too")
    }

    /// The same daemon without the key credential: the receiver's TLS refuses it, nothing arrives, and `outbox`
    /// says why; so the test above passed because of the credential.
    @Test func withoutTheCredentialTheReceiverRefusesIt() throws {
        let s = try Setup(key: false)
        let d = try s.daemon()
        defer { d.signal(SIGTERM); _ = d.wait(seconds: 10) }
        var outbox = ""
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline && !outbox.contains("\"last_error\"") {
            usleep(200_000)
            outbox = (try? run("coldchainctl", ["--socket", s.dir.file("control.sock"), "--json", "outbox"]).out) ?? ""
        }
        #expect(outbox.contains("\"last_error\""), "\(outbox) \(d.stderr)")
        #expect(s.receiver.receivedLines.isEmpty)
    }
}
