import ColdChain
import Control

/// One command as the technician types it: its words, its arguments, and what running it does. The table of
/// these (`CtlCommand.table`) is the whole command line: the usage text, the argument checks and the dispatch.
struct CtlSpec: Sendable {
    /// "status", or "hold add".
    var words: [String]
    /// What follows the words in the usage text.
    var synopsis: String = ""
    /// The usage text's explanation; further lines are indented under it.
    var summary: String
    /// Options that take a value (a repeated one keeps every value).
    var options: [String] = []
    /// Options that take none.
    var flags: [String] = []
    /// How many positional arguments it takes.
    var positionals: ClosedRange<Int> = 0...0
    var run: @Sendable (CtlArgs, CtlContext) throws(ExitCode) -> ExitStatus

    var usageLine: String { (words + (synopsis.isEmpty ? [] : [synopsis])).joined(separator: " ") }
}

/// The arguments after a command's words, read against its spec.
struct CtlArgs {
    var positional: [String] = []
    var values: [String: [String]] = [:]
    var flags: Set<String> = []

    /// Arguments already split (a renderer's test).
    init(flags: Set<String> = [], values: [String: [String]] = [:]) { self.flags = flags; self.values = values }

    func value(_ option: String) -> String? { values[option]?.last }
    func all(_ option: String) -> [String] { values[option] ?? [] }
    func has(_ flag: String) -> Bool { flags.contains(flag) }

    /// Splits `rest` by `spec`; an unknown option, an option without its value or a wrong count of positional
    /// arguments is a usage error that shows the command's own usage line.
    init(_ rest: [String], spec: CtlSpec) throws(ExitCode) {
        var i = 0
        while i < rest.count {
            let a = rest[i]
            if spec.options.contains(a) {
                guard i + 1 < rest.count else { throw CtlCommand.usageError("\(a) needs a value: \(spec.usageLine)") }
                values[a, default: []].append(rest[i + 1])
                i += 2
                continue
            }
            if spec.flags.contains(a) { flags.insert(a) }
            else if a.hasPrefix("--") { throw CtlCommand.usageError("\(spec.words.joined(separator: " ")): unknown option '\(a)': \(spec.usageLine)") }
            else { positional.append(a) }
            i += 1
        }
        guard spec.positionals.contains(positional.count) else { throw CtlCommand.usageError(spec.usageLine) }
    }
}

/// Where a command runs: the socket, and whether the person asked for JSON.
struct CtlContext {
    var socket: String
    var json: Bool
}
