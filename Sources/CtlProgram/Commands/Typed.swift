import ColdChain
import Control

/// A daemon command as the technician types it: which options it takes, how they become the command's arguments
/// (checked here with the daemon's bounds, exit 64 before anything is sent), and how its reply is shown. Its words,
/// synopsis and summary come from the definition in Control/Commands.
protocol Typed: ControlCommand {
    static var form: CLIForm { get }
}

/// The command line's side of a command.
struct CLIForm: Sendable {
    var options: [String] = []
    var flags: [String] = []
    var positionals: ClosedRange<Int> = 0...0
    var run: @Sendable (CtlArgs, CtlContext) throws(ExitCode) -> ExitStatus
}

extension Typed {
    /// The usage row and dispatch of this command.
    static var spec: CtlSpec {
        let f = form
        return CtlSpec(words: words, synopsis: synopsis, summary: summary, options: f.options, flags: f.flags, positionals: f.positionals, run: f.run)
    }

    /// The usual form: `build` makes the arguments from what was typed, `render` shows the typed reply (with
    /// `--json`, the reply as the daemon sent it); `outcome` is the exit status the answer means (a test message
    /// that failed is a failure, in JSON too).
    static func remote(options: [String] = [], flags: [String] = [], positionals: ClosedRange<Int> = 0...0,
                       _ build: @escaping @Sendable (CtlArgs) throws(ExitCode) -> Arguments,
                       render: @escaping @Sendable (Reply, CtlArgs) -> Void,
                       outcome: @escaping @Sendable (Reply) -> ExitStatus = { _ in .ok }) -> CLIForm {
        CLIForm(options: options, flags: flags, positionals: positionals) { args, ctx throws(ExitCode) in
            let (decoded, json) = try CtlCommand.ask(ctx, request(try build(args)), as: Reply.self)
            if ctx.json { CtlCommand.print(json) } else { render(decoded, args) }
            return outcome(decoded)
        }
    }
}

extension Typed where Arguments == NoArguments {
    static func remote(render: @escaping @Sendable (Reply, CtlArgs) -> Void) -> CLIForm {
        remote({ _ throws(ExitCode) in NoArguments() }, render: render)
    }
}

extension CtlCommand {
    /// Commands that run here, without the daemon.
    static let local: [CtlSpec] = [
        CtlSpec(words: ["decode"], synopsis: "CODE", summary: "how a scanned code parses (nothing is recorded; \\x1d or <GS> for FNC1)",
                positionals: 1...1, run: { a, ctx throws(ExitCode) in decode(a.positional[0], ctx) }),
        CtlSpec(words: ["cards"], synopsis: "[--html] [--out FILE]",
                summary: "the command barcodes to print and stick on each fridge (--html: a page of Code 128 barcodes)",
                options: ["--out"], flags: ["--html"], run: { a, ctx throws(ExitCode) in try cards(a, ctx) }),
    ]

    /// Every command, in the registry's order, with the local ones before `verify` (which also runs without the
    /// daemon, with --ledger). A registered command this program cannot type is left out of the table;
    /// `RegistryTests` fails on one.
    static let table: [CtlSpec] = {
        var specs: [CtlSpec] = Commands.all.compactMap { ($0 as? any Typed.Type)?.spec }
        specs.insert(contentsOf: local, at: specs.firstIndex { $0.words == Commands.Verify.words } ?? specs.endIndex)
        return specs
    }()
}
