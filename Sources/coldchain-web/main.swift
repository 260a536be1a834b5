import Glibc
import POSIX
import WebProgram

exit(WebMain.main(Array(processArguments().dropFirst())))
