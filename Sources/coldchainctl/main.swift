import CtlProgram
import Glibc
import POSIX

exit(CtlEntry.main(Array(processArguments().dropFirst())))
