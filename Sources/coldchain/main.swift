import ColdChain
import CtlProgram
import DaemonProgram
import Glibc
import POSIX
import Simulation
import WebProgram

/// The package's one binary: /usr/bin/coldchaind, coldchainctl, coldchain-web and coldchain-sim are links to it, and
/// it runs the program its name says (or `coldchain PROGRAM ARGS`). Each program built alone carries its own copy of
/// the Swift runtime: four static binaries were 66 MB, stripped; this one holds the runtime once.
let programs: [(name: String, main: ([String]) -> Int32)] = [
    ("coldchaind", DaemonCommand.main), ("coldchainctl", CtlEntry.main), ("coldchain-web", WebMain.main), ("coldchain-sim", Simulator.main),
]
var arguments = processArguments()
var name = String(arguments.first?.split(separator: "/").last ?? "coldchain")
if name == "coldchain", arguments.count > 1, programs.contains(where: { $0.name == arguments[1] }) {
    name = arguments[1]
    arguments.removeFirst()
}
guard let program = programs.first(where: { $0.name == name }) else {
    let usage = """
        usage: coldchain PROGRAM [ARGUMENTS]   (or run it by one of its links: coldchaind, coldchainctl, coldchain-web, coldchain-sim)
        The coldchain gateway's programs in one binary: \(programs.map(\.name).joined(separator: ", ")).
        Each one's own --help says what it does.

        """
    let wanted = arguments.dropFirst().first
    if wanted == "--version" { print("coldchain \(Version.current)"); exit(0) }
    print(usage, terminator: "")
    exit(wanted == "--help" ? 0 : 64)
}
exit(program.main(Array(arguments.dropFirst())))
