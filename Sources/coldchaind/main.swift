import DaemonProgram
import Glibc
import POSIX

// Everything runs off the main actor: see DaemonCommand.runBlocking.
exit(DaemonCommand.main(Array(processArguments().dropFirst())))
