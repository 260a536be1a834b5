import ColdChain
import POSIX

extension SystemMonotonicClock: MonotonicClock {}
