import Glibc

exit(CtlCommand.main(Array(CommandLine.arguments.dropFirst())))
