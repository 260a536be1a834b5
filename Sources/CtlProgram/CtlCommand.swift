import ColdChain
import Control
import FoundationEssentials
import Glibc
import POSIX
import Synchronization

/// `coldchainctl`: the technician's command line over the daemon's control socket. The commands are the table in
/// CommandTable.swift; their renderers are in Views/.
enum CtlCommand {
    static func main(_ arguments: [String]) -> Int32 {
        var ctx = CtlContext(socket: ProcessInfo.processInfo.environment["COLDCHAIN_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
                                 ?? GatewayConfig.defaultSocket, json: false)
        var args = arguments[...]
        do throws(ExitCode) {
            while let a = args.first, a.hasPrefix("-") {
                args.removeFirst()
                switch a {
                case "--socket":
                    guard let v = args.popFirst() else { throw usageError("--socket needs a path") }
                    ctx.socket = v
                case "--json": ctx.json = true
                case "--wide": break   // in Presentation.forProcess
                case "--help", "-h": print(usage); return ExitStatus.ok.rawValue
                case "--version": print("coldchainctl \(Version.current)"); return ExitStatus.ok.rawValue
                default: throw usageError("unknown option '\(a)'")
                }
            }
            guard let first = args.first else { throw usageError("no command given") }
            // Options may also follow the command (coldchainctl status --json, alarms --wide).
            let words = args.filter { $0 != "--json" && $0 != "--wide" }
            if args.contains("--json") { ctx.json = true }
            guard let (spec, rest) = find(Array(words)) else {
                let sub = table.filter { $0.words.count > 1 && $0.words[0] == first }.map { $0.words[1] }
                throw usageError(sub.isEmpty ? "unknown command '\(first)'" : "\(first) \(sub.joined(separator: "|"))")
            }
            running.withLock { $0 = spec }
            return try spec.run(try CtlArgs(rest, spec: spec), ctx).rawValue
        } catch {
            return error.status.rawValue
        }
    }

    /// Prints the problem and the usage; the caller throws what it returns (exit 64).
    /// Prints the problem, the usage line of the command being run (when one is), and where the rest is; the caller
    /// throws what it returns (exit 64). The whole help was 35 lines for a missing `--note`.
    static func usageError(_ message: String) -> ExitCode {
        var text = "coldchainctl: \(message)"
        if let spec = running.withLock({ $0 }) {
            text += "\nusage: coldchainctl \(spec.usageLine)\n(coldchainctl help \(spec.words.joined(separator: " ")) says more)"
        } else {
            text += "\n(coldchainctl help lists every command)"
        }
        printError(text)
        return ExitCode(.usage)
    }

    /// The command being run, for its usage line in an error.
    static let running = Mutex<CtlSpec?>(nil)

    /// A duration the person typed, checked here with the daemon's bounds and words (exit 64 when out of range).
    static func duration(_ text: String, key: String, in range: ClosedRange<Double>) throws(ExitCode) -> DurationArgument {
        do { return try DurationArgument(text, key: key, in: range) } catch {
            printError("coldchainctl: \(error.message) (invalid_argument)")
            throw ExitCode(.usage)
        }
    }

    /// A whole number the person typed, within the daemon's bounds.
    static func number(_ text: String, key: String, in range: ClosedRange<Int>) throws(ExitCode) -> Int {
        guard let n = Int(text), range.contains(n) else {
            printError("coldchainctl: \(key): '\(text.truncated(40))' is not a whole number from \(range.lowerBound) to \(range.upperBound) (invalid_argument)")
            throw ExitCode(.usage)
        }
        return n
    }

    /// A temperature the person typed, °C, within the daemon's bounds.
    static func celsius(_ text: String, key: String) throws(ExitCode) -> Double {
        let range = ControlArguments.celsiusRange
        guard let c = PlainDecimal.parse(text), c.isFinite, range.contains(c) else {
            printError("coldchainctl: \(key): '\(text.truncated(40).escapedForTerminal)' is not a temperature from \(Int(range.lowerBound)) to \(Int(range.upperBound)) °C (invalid_argument)")
            throw ExitCode(.usage)
        }
        return c
    }

    /// FNC1 as the person can type it: `\x1d` or `<GS>`.
    static func withFNC1(_ text: String) -> String {
        text.replacingAll("<GS>", with: "\u{1D}").replacingAll("\\x1d", with: "\u{1D}").replacingAll("\\x1D", with: "\u{1D}")
    }

    /// One request and its answer read as `R` in one decoding, with the result's JSON as the daemon sent it (what
    /// `--json` prints); the reason already printed when it fails.
    static func ask<R: Decodable>(_ ctx: CtlContext, _ request: ControlRequest, as type: R.Type) throws(ExitCode) -> (R, json: String) {
        let client = try connect(ctx).get()
        let answer: TypedReply<R>
        do { answer = try client.call(request, as: R.self) } catch let e as DecodingError {
            printError("coldchainctl: the daemon's answer is not what this coldchainctl \(Version.current) reads (\(e)); is coldchaind the same version?")
            throw ExitCode(.failure)
        } catch {
            throw lostConnection(ctx, error)
        }
        switch answer {
        case .ok(let value, let json): return (value, json)
        case .failure(let f): throw refused(f, request, ctx)
        }
    }

    /// A connection to the daemon, or the exit status (why already printed, with the socket path).
    static func connect(_ ctx: CtlContext) -> Result<ControlClient, ExitCode> {
        do {
            return .success(try ControlClient(path: ctx.socket))
        } catch let e as Errno {
            var hint: String
            switch e.code {
            case ENOENT: hint = "no socket there: is coldchaind running? (systemctl status coldchaind)"
            case ECONNREFUSED: hint = "nothing is listening: coldchaind is not running (systemctl status coldchaind)"
            case EACCES: hint = "permission denied: add your user to the control group (e.g. coldchain) or use sudo"
            default: hint = e.message
            }
            hint += ". Another socket: --socket PATH or COLDCHAIN_SOCKET."
            printError("coldchainctl: cannot reach coldchaind at \(ctx.socket): \(hint)")
        } catch {
            printError("coldchainctl: cannot reach coldchaind at \(ctx.socket): \(error)")
        }
        return .failure(ExitCode(.unavailable))
    }

    /// A refusal from the daemon: printed (as JSON with `--json`), and the exit status it means.
    static func refused(_ f: ControlFailure, _ request: ControlRequest, _ ctx: CtlContext) -> ExitCode {
        if ctx.json { print(ControlReply.failure(f).line, terminator: "") }
        else { printError("coldchainctl: \(request.cmd): \(f.message) (\(f.code.rawValue))") }
        return ExitCode(f.code == .unknownCommand || f.code == .invalidArgument ? .usage : .failure)
    }

    static func lostConnection(_ ctx: CtlContext, _ error: any Error) -> ExitCode {
        printError("coldchainctl: lost the connection to coldchaind at \(ctx.socket): \(error)")
        return ExitCode(.unavailable)
    }

    /// Sends one request; prints why when the daemon cannot be reached or refuses.
    static func call(_ ctx: CtlContext, _ request: ControlRequest) -> Result<JSONValue, ExitCode> {
        let client: ControlClient
        switch connect(ctx) {
        case .success(let c): client = c
        case .failure(let e): return .failure(e)
        }
        do {
            switch try client.call(request) {
            case .ok(let v): return .success(v)
            case .failure(let f): return .failure(refused(f, request, ctx))
            }
        } catch {
            return .failure(lostConnection(ctx, error))
        }
    }

    /// Everything this program prints goes through here: control characters in what the daemon sent (a scanned
    /// code, a platform's error text) are shown escaped, lines stay lines. `--json` output has none to escape
    /// (the JSON writer escapes them), so it passes unchanged.
    static func print(_ s: String, terminator: String = "\n") {
        if let capture = Presentation.current.capture { capture.write(visible(s) + terminator, error: false); return }
        Swift.print(visible(s), terminator: terminator)
    }

    /// Text as it is, for output that escapes its own (JSON, CSV) or is a file's bytes (HTML, SVG).
    static func raw(_ s: String, terminator: String = "\n") {
        if let capture = Presentation.current.capture { capture.write(s + terminator, error: false); return }
        Swift.print(s, terminator: terminator)
    }

    static func visible(_ s: String) -> String {
        s.split(separator: "\n", omittingEmptySubsequences: false).map { String($0).escapedForTerminal }.joined(separator: "\n")
    }

    /// At a terminal, a long message wraps at 80 columns under its first word; into a pipe or a log it stays one
    /// line a message, for grep.
    static func printError(_ s: String) {
        var text = visible(s)
        if Presentation.current.capture == nil && isatty(2) == 1 {
            text = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
                let l = String(line)
                return l.displayWidth <= 80 ? l : Table.wrap(l, width: 78).joined(separator: "\n  ")
            }.joined(separator: "\n")
        }
        var line = text.hasSuffix("\n") ? text : text + "\n"
        if let capture = Presentation.current.capture { capture.write(line, error: true); return }
        line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
    }
}

/// A process exit status carried as an error through `Result` and typed throws.
struct ExitCode: Error {
    let status: ExitStatus
    init(_ status: ExitStatus) { self.status = status }
}

