import Gateway
import Glibc

// Everything runs off the main actor: see DaemonCommand.runBlocking.
exit(DaemonCommand.main(Array(CommandLine.arguments.dropFirst())))
