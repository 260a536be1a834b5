import Foundation

/// Certificates made with `openssl` in a temporary folder, once per test: a test CA, a server certificate it signs
/// for 127.0.0.1, one for another host, a self-signed one, and a client certificate.
public struct TestPKI: Sendable {
    public struct Failed: Error, CustomStringConvertible {
        public let description: String
    }

    public let dir = TempDir("cc-pki")
    public var ca: String { dir.file("ca.pem") }
    public func cert(_ name: String) -> (cert: String, key: String) { (dir.file("\(name).pem"), dir.file("\(name).key")) }

    public init() throws {
        let ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
        let script = """
            set -e; cd \(dir.path)
            openssl req -x509 \(ec) -keyout ca.key -out ca.pem -days 2 -subj "/CN=coldchain test CA" 2>/dev/null
            sign() { openssl req \(ec) -keyout $1.key -out $1.csr -subj "/CN=$2" 2>/dev/null
                     printf "subjectAltName=$3" > $1.ext
                     openssl x509 -req -in $1.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out $1.pem -days 2 -extfile $1.ext 2>/dev/null; }
            sign server 127.0.0.1 "IP:127.0.0.1,DNS:localhost"
            sign elsewhere platform.example "DNS:platform.example"
            sign client gw-test-01 "DNS:gw-test-01"
            openssl req -x509 \(ec) -keyout self.key -out self.pem -days 2 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
            """
        let r = shell(script)
        guard r.status == 0 else { throw Failed(description: "openssl: \(r.output)") }
    }

    /// A TLS receiver with the certificate `name`; with `requireClient`, it asks for a client certificate from this CA.
    public func receiver(cert name: String, requireClient: Bool = false, plan: [String] = []) throws -> Receiver {
        let (cert, key) = self.cert(name)
        var env = ["RECEIVER_TLS_CERT": cert, "RECEIVER_TLS_KEY": key]
        if requireClient { env["RECEIVER_CLIENT_CA"] = ca }
        return try Receiver(dir: TempDir("cc-tls"), plan: plan, environment: env)
    }
}
