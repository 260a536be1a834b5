import Glibc

/// SIGTERM and SIGINT taken by one thread that waits for them (a tool's main thread), not by whichever thread the
/// kernel picks. `block()` before any thread is started: threads inherit the mask, so none of them is killed by
/// the default action while the main thread would have stopped cleanly.
///
/// The corresponding C functions are pthread_sigmask(3) and sigwait(3).
public enum TerminationSignals {
    static var set: sigset_t {
        var s = sigset_t()
        sigemptyset(&s)
        sigaddset(&s, SIGTERM)
        sigaddset(&s, SIGINT)
        return s
    }

    public static func block() {
        var s = set
        pthread_sigmask(SIG_BLOCK, &s, nil)
    }

    /// Blocks them (if not yet) and waits for one; returns which.
    public static func wait() -> Int32 {
        var s = set
        pthread_sigmask(SIG_BLOCK, &s, nil)
        var signal: Int32 = 0
        sigwait(&s, &signal)
        return signal
    }
}
