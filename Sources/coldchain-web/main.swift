import ColdChain
import Control
import FoundationEssentials
import Glibc
import POSIX
import WebServer

/// coldchain-web: the clinic's screen, on the clinic's own network. It reaches the daemon only through the control
/// socket, with the commands of the registry; the daemon gains no network listener.
///
/// Walking skeleton (issue 23, first step): plain HTTP on a loopback address, the overview page. TLS, people and
/// roles, the other pages, live updates and the desk's voice are still to come.
enum WebMain {
    static func main(_ args: [String]) -> Int32 {
        var listen = "127.0.0.1:8080"
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
            case "--help", "-h": print(help); return 0
            case "--version": print("coldchain-web \(ColdChain.Version.current)"); return 0
            default: return usage("unknown argument '\(a.truncated(40).escapedForTerminal)'")
            }
        }
        if let dir = makeCert { return Certificates.make(in: dir, host: certHost) }
        guard (certFile == nil) == (keyFile == nil) else { return usage("--cert and --key go together") }
        var tls: HTTPServer.TLS?
        if let certFile, let keyFile {
            do { tls = try Certificates.load(cert: certFile, key: keyFile) } catch { return usage("\(error)") }
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
        TerminationSignals.block()
        let server: HTTPServer
        let daemonSocket = socket
        do {
            server = try HTTPServer(host: host, port: port, tls: tls) { request in route(request, socket: daemonSocket) }
        } catch {
            say("coldchain-web: \(error)")
            return 69
        }
        print("coldchain-web: listening on \(tls == nil ? "http" : "https")://\(host):\(server.port)/ (daemon at \(socket))")
        fflush(nil)
        // Until SIGTERM or SIGINT (blocked before the server's threads started, which inherit the mask).
        _ = TerminationSignals.wait()
        server.stop()
        return 0
    }

    static func route(_ r: HTTPRequest, socket: String) -> HTTPResponse {
        switch r.path {
        case "/": return overview(socket: socket)
        case "/healthz": return .text(200, "ok\n")
        case "/static/app.css": return HTTPResponse(status: 200, contentType: "text/css; charset=utf-8", body: Array(WebPages.stylesheet.utf8))
        default: return .text(404, "not found\n")
        }
    }

    static func overview(socket: String) -> HTTPResponse {
        let calendar = ClinicCalendar(offset: LocalTime.utcOffset)
        do {
            let client = try ControlClient(path: socket)
            switch try client.call(Commands.Status.request, as: Commands.Status.Reply.self) {
            case .ok(let status, _):
                return HTTPResponse(status: 200, contentType: "text/html; charset=utf-8", body: Array(WebPages.overview(status, calendar: calendar).utf8))
            case .failure(let f):
                return .text(502, "coldchaind refused: \(f.message)\n")
            }
        } catch {
            return .text(503, "coldchaind is not reachable: is it running? (\(error))\n")
        }
    }

    static let help = """
        usage: coldchain-web [--listen HOST:PORT] [--cert FILE --key FILE] [--socket PATH]
               coldchain-web --make-cert DIR [--host NAME-OR-ADDRESS]
        The clinic's web screen. Plain HTTP only on a loopback address (the default 127.0.0.1:8080); on the clinic's
        network, TLS from --cert and --key. --make-cert writes a self-signed pair (cert.pem, key.pem) into DIR once.
        """

    static func usage(_ message: String) -> Int32 {
        say("coldchain-web: \(message)\n\(help)")
        return 64
    }

    /// A line on standard error.
    static func say(_ text: String) {
        var line = text + "\n"
        line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    }
}

exit(WebMain.main(Array(CommandLine.arguments.dropFirst())))
