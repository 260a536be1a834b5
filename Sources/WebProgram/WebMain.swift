import ColdChain
import Control
import FoundationEssentials
import Glibc
import POSIX
import WebServer

/// coldchain-web: the clinic's screen, on the clinic's own network. It reaches the daemon only through the control
/// socket, with the commands of the registry; the daemon gains no network listener.
///
/// People log in (UserFile, Sessions); pages follow the daemon's watch stream live (LiveFeed); the desk page speaks
/// its verdicts (Speech).
public enum WebMain {
    public static func main(_ args: [String]) -> Int32 {
        if args.first == "user" { return UserCommand.run(args.dropFirst()) }
        var listen = "127.0.0.1:8080"
        var users = UserFile.defaultPath, cache = "/var/cache/coldchain-web"
        var certFile: String?, keyFile: String?, makeCert: String?, certHost = "coldchain-gateway"
        var socket = ProcessInfo.processInfo.environment["COLDCHAIN_SOCKET"].flatMap { $0.isEmpty ? nil : $0 } ?? GatewayConfig.defaultSocket
        var rest = args[...]
        while let a = rest.popFirst() {
            switch a {
            case "--listen": guard let v = rest.popFirst() else { return usage("--listen needs HOST:PORT") }; listen = v
            case "--socket": guard let v = rest.popFirst() else { return usage("--socket needs a path") }; socket = v
            case "--cert": guard let v = rest.popFirst() else { return usage("--cert needs a PEM file") }; certFile = v
            case "--key": guard let v = rest.popFirst() else { return usage("--key needs a PEM file") }; keyFile = v
            case "--make-cert": guard let v = rest.popFirst() else { return usage("--make-cert needs a folder") }; makeCert = v
            case "--host": guard let v = rest.popFirst() else { return usage("--host needs a name or address") }; certHost = v
            case "--users": guard let v = rest.popFirst() else { return usage("--users needs a file") }; users = v
            case "--cache": guard let v = rest.popFirst() else { return usage("--cache needs a folder") }; cache = v
            case "--help", "-h": print(help); return 0
            case "--version": print("coldchain-web \(ColdChain.Version.current)"); return 0
            default: return usage("unknown argument '\(a.truncated(40).escapedForTerminal)'")
            }
        }
        if let dir = makeCert { return Certificates.make(in: dir, host: certHost) }
        guard (certFile == nil) == (keyFile == nil) else { return usage("--cert and --key go together") }
        var tls: HTTPServer.TLS?
        if let certFile, let keyFile {
            // A file that cannot be read is the site's setup, not the command line: EX_CONFIG, which the unit's
            // RestartPreventExitStatus= stops on instead of restarting every 5 s (seen under systemd: a certificate
            // in a folder the service user could not enter restarted forever).
            do { tls = try Certificates.load(cert: certFile, key: keyFile) } catch { return configProblem("\(error)") }
        }
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65535).contains(port) else {
            return usage("--listen: '\(listen.truncated(60).escapedForTerminal)' is not HOST:PORT")
        }
        let host = String(listen[..<colon])
        // Plain HTTP only where nothing but this machine can listen in: a password or a session cookie must not
        // cross the clinic's network in clear.
        guard tls != nil || host.hasPrefix("127.") else {
            return usage("plain HTTP is accepted only on a loopback address (127.x.x.x); on the clinic's network give --cert and --key "
                         + "(coldchain-web --make-cert DIR makes a self-signed pair)")
        }
        // Read once now, so that a broken user file is said at start (it is read again at each login).
        let people: UserFile
        do { people = try UserFile.read(users) } catch { return configProblem("\(error)") }
        if people.people.isEmpty { say("coldchain-web: no one may log in yet: coldchain-web user add NAME --role technician --users \(users)") }
        var st = stat()
        if stat(cache, &st) != 0 || st.st_mode & S_IFMT != S_IFDIR { say("coldchain-web: \(cache) is not a folder: the desk page will have no voice") }
        TerminationSignals.block()
        let app = WebApp(socket: socket, usersPath: users, secure: tls != nil, speech: Speech(folder: cache))
        let server: HTTPServer
        do {
            try app.feed.start()
            server = try HTTPServer(host: host, port: port, tls: tls) { request in app.handle(request) }
        } catch {
            say("coldchain-web: \(error)")
            return 69
        }
        print("coldchain-web: listening on \(tls == nil ? "http" : "https")://\(host):\(server.port)/ (daemon at \(socket))")
        fflush(nil)
        // Until SIGTERM or SIGINT (blocked before the server's threads started, which inherit the mask).
        _ = TerminationSignals.wait()
        app.feed.stop()
        server.stop()
        return 0
    }

    static let help = """
        usage: coldchain-web [--listen HOST:PORT] [--cert FILE --key FILE] [--socket PATH] [--users FILE] [--cache DIR]
               coldchain-web --make-cert DIR [--host NAME-OR-ADDRESS]
               coldchain-web user add NAME --role viewer|nurse|technician | user remove NAME | user list
        The clinic's web screen. Plain HTTP only on a loopback address (the default 127.0.0.1:8080); on the clinic's
        network, TLS from --cert and --key. --make-cert writes a self-signed pair (cert.pem, key.pem) into DIR once.
        --users: who may log in (default /var/lib/coldchain-web/users); --cache: the spoken verdicts (default
        /var/cache/coldchain-web).
        """

    static func usage(_ message: String) -> Int32 {
        say("coldchain-web: \(message)\n\(help)")
        return ExitStatus.usage.rawValue
    }

    /// A file the site set up is missing or wrong: one line saying which, and EX_CONFIG.
    static func configProblem(_ message: String) -> Int32 {
        say("coldchain-web: not started: \(message)")
        return ExitStatus.config.rawValue
    }

    /// A line on standard error.
    static func say(_ text: String) {
        var line = text + "\n"
        line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    }
}

