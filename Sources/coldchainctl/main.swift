import Glibc

let arguments = Array(CommandLine.arguments.dropFirst())
exit(Presentation.$current.withValue(.forProcess(arguments)) { CtlCommand.main(arguments) })
