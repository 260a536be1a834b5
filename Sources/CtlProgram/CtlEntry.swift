/// coldchainctl's entry: how its output is presented (width, colour, time zone, from the arguments and the
/// terminal), then the command. Called by the coldchainctl executable and by the package's one binary.
public enum CtlEntry {
    public static func main(_ arguments: [String]) -> Int32 {
        Presentation.$current.withValue(.forProcess(arguments)) { CtlCommand.main(arguments) }
    }
}
