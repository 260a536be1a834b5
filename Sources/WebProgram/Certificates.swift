import ColdChain
import FoundationEssentials
import Glibc
import POSIX
import WebServer

/// The web screen's certificate: made once with Debian's `openssl`, read with the same care as any secret.
enum Certificates {
    struct Problem: Error, CustomStringConvertible { let description: String }

    /// A PEM file: a regular file (never a symlink to something else: a key is a secret), at most 64 KiB, PEM text.
    static func pem(_ path: String, what: String) throws -> String {
        var st = stat()
        guard lstat(path, &st) == 0 else { throw Problem(description: "cannot read the \(what) \(path.escapedForTerminal): \(String(cString: strerror(errno)))") }
        guard st.st_mode & S_IFMT == S_IFREG else { throw Problem(description: "the \(what) \(path.escapedForTerminal) is not a regular file (a symlink is not followed)") }
        guard let bytes = try? readRegularFile(path, limit: 65_536) else { throw Problem(description: "the \(what) \(path.escapedForTerminal) is unreadable or over 64 KiB") }
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.contains("-----BEGIN ") else { throw Problem(description: "the \(what) \(path.escapedForTerminal) is not PEM") }
        return text
    }

    static func load(cert: String, key: String) throws -> HTTPServer.TLS {
        let keyText = try pem(key, what: "key")
        var st = stat()
        if stat(key, &st) == 0, st.st_mode & 0o077 != 0 {
            WebMain.say("coldchain-web: warning: the key \(key.escapedForTerminal) is readable by others (chmod 600 it)")
        }
        return HTTPServer.TLS(certificatePEM: try pem(cert, what: "certificate"), keyPEM: keyText)
    }

    /// `--make-cert DIR`: a self-signed P-256 certificate for `host` (a name, or an address for a phone to type),
    /// ten years, into DIR/cert.pem and DIR/key.pem (0600). An existing pair is never overwritten.
    static func make(in dir: String, host: String) -> Int32 {
        let allowed = host.unicodeScalars.allSatisfy { s in
            s.isASCII && (("a"..."z").contains(s) || ("A"..."Z").contains(s) || ("0"..."9").contains(s) || s == "-" || s == ".")
        }
        guard !host.isEmpty, host.count <= 253, allowed else { return WebMain.usage("--host: '\(host.truncated(60).escapedForTerminal)' is not a host name or IPv4 address") }
        let cert = dir + "/cert.pem", key = dir + "/key.pem"
        // The folder is made when missing: openssl would only say "No such file or directory" in its own words.
        // 0755: the service runs as coldchain-web and reads the certificate from here (the key reaches it as a
        // systemd credential, copied by PID 1, and stays 0600 root). A 0700 folder once left the service unable to
        // read its certificate, restarting every 5 s.
        var st = stat()
        if lstat(dir, &st) != 0 {
            guard mkdir(dir, 0o755) == 0, chmod(dir, 0o755) == 0 else {
                WebMain.say("coldchain-web: cannot make the folder \(dir.escapedForTerminal): \(String(cString: strerror(errno)))")
                return 73
            }
        } else if st.st_mode & S_IFMT != S_IFDIR {
            WebMain.say("coldchain-web: \(dir.escapedForTerminal) is not a folder")
            return 64
        } else if st.st_mode & 0o005 != 0o005 {
            WebMain.say("coldchain-web: warning: \(dir.escapedForTerminal) is mode \(String(st.st_mode & 0o777, radix: 8)): the service "
                        + "(user coldchain-web) cannot read the certificate there; chmod 755 \(dir.escapedForTerminal)")
        }
        for f in [cert, key] where access(f, F_OK) == 0 {
            WebMain.say("coldchain-web: \(f.escapedForTerminal) exists; not overwritten (remove it to make a new pair)")
            return 73
        }
        let isAddress = host.split(separator: ".").count == 4 && host.split(separator: ".").allSatisfy { UInt8($0) != nil }
        let san = isAddress ? "IP:\(host)" : "DNS:\(host)"
        let umaskBefore = umask(0o077)
        defer { umask(umaskBefore) }
        let args = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "3650",
                    "-subj", "/CN=\(host)", "-addext", "subjectAltName=\(san)", "-keyout", key, "-out", cert]
        let candidates: [String] = ["/usr/bin/openssl", "/bin/openssl"]
        guard let openssl = candidates.first(where: { access($0, X_OK) == 0 }) else {
            WebMain.say("coldchain-web: openssl is not installed (apt install openssl)")
            return 69
        }
        do {
            let child = try ChildProcess(path: openssl, arguments: args, stdout: "/dev/null", stderr: "/dev/null")
            let status = child.wait()
            guard status == 0 else {
                WebMain.say("coldchain-web: openssl failed (status \(status)); nothing written")
                unlink(cert); unlink(key)
                return 70
            }
        } catch {
            WebMain.say("coldchain-web: cannot run openssl: \(error)")
            return 69
        }
        chmod(key, 0o600)
        chmod(cert, 0o644)   // the certificate is public: a phone or the desk PC may be given it to trust
        print("wrote \(cert) and \(key) (self-signed for \(host), 10 years). Start with:\n  coldchain-web --listen 0.0.0.0:8443 --cert \(cert) --key \(key)")
        return 0
    }
}
