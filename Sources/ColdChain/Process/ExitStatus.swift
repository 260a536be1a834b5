/// Every program's exit statuses, one set (sysexits.h): `coldchaind`, `coldchainctl` and `coldchain-sim` say the
/// same thing with the same number.
public enum ExitStatus: Int32, Sendable {
    case ok = 0
    /// The command ran and reported a failure (a broken chain, a refused request).
    case failure = 1
    /// EX_USAGE: the command line was wrong.
    case usage = 64
    /// EX_UNAVAILABLE: the daemon could not be reached.
    case unavailable = 69
    /// EX_CONFIG: the configuration is invalid.
    case config = 78
}
