import ColdChain
import FoundationEssentials
import POSIX

/// One connection to NUT's upsd: `GET VAR` over its plain-text protocol (NUTProtocol parses the answers).
final class NUTClient {
    enum Failure: Error, CustomStringConvertible {
        case connection(TCPLineClient.Failure)
        /// upsd's own `ERR` code: UNKNOWN-UPS, DATA-STALE, DRIVER-NOT-CONNECTED, ACCESS-DENIED, ...
        case upsd(String)
        case protocolError(NUTProtocol.ParseError)
        var description: String {
            switch self {
            case .connection(let f): "upsd: \(f)"
            case .upsd(let code): "upsd says \(code.escapedForTerminal)"
            case .protocolError(let e): "upsd: \(e)"
            }
        }
    }

    static let notSupported = "VAR-NOT-SUPPORTED"
    let settings: GatewayConfig.Power.NUT
    private let line: TCPLineClient

    /// Connects, and logs in when a user is configured (upsd lets anyone read variables; a site may still ask).
    init(_ settings: GatewayConfig.Power.NUT, password: String?, timeout: Double) throws(Failure) {
        self.settings = settings
        do { line = try TCPLineClient(host: settings.host, port: settings.port, timeout: timeout) } catch { throw .connection(error) }
        if let user = settings.user {
            try expectOK("USERNAME \(NUTProtocol.quoted(user))\n")
            if let password { try expectOK("PASSWORD \(NUTProtocol.quoted(password))\n") }
        }
    }

    private func ask(_ request: String) throws(Failure) -> NUTProtocol.Reply {
        do {
            try line.send(request)
            return try NUTProtocol.parse(try line.readLine(maxBytes: NUTProtocol.maxLine))
        } catch let e as TCPLineClient.Failure { throw .connection(e) } catch let e as NUTProtocol.ParseError { throw .protocolError(e) }
        catch { throw .connection(.closed) }
    }

    private func expectOK(_ request: String) throws(Failure) {
        switch try ask(request) {
        case .ok: return
        case .error(let code): throw .upsd(code)
        case .variable: throw .protocolError(.unexpected("VAR"))
        }
    }

    /// A variable of the configured UPS; nil when upsd says the UPS does not report it.
    func get(_ name: String) throws(Failure) -> String? {
        switch try ask(NUTProtocol.getVar(ups: settings.ups, name)) {
        case .variable(let ups, let n, let value) where ups == settings.ups && n == name: return value
        case .variable: throw .protocolError(.unexpected("an answer for another variable"))
        case .error(Self.notSupported): return nil
        case .error(let code): throw .upsd(code)
        case .ok: throw .protocolError(.unexpected("OK"))
        }
    }

    /// Says goodbye (best effort) and closes.
    func close() {
        try? line.send("LOGOUT\n")
        line.close()
    }
}
