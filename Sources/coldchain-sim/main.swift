import Simulation
import Glibc

exit(Simulator.main(Array(CommandLine.arguments.dropFirst())))
