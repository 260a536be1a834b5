import ColdChain
import FoundationEssentials
import Glibc
import POSIX
import Synchronization

/// How this run shows things to a person: the width tables fit, the clinic's calendar and the time now, whether
/// to colour, and where the text goes. One value for the run (set by `main` from `--wide`, the terminal and
/// NO_COLOR), task-local so a test renders with its own (a fixed UTC+8 calendar and instant, a capture) while
/// other tests run beside it.
struct Presentation: Sendable {
    /// Display columns a table or a paragraph fits; nil with `--wide`.
    var width: Int? = 80
    var calendar = ClinicCalendar(offset: LocalTime.utcOffset)
    var now: @Sendable () -> Date = { Date() }
    /// ANSI colour on watch's verdicts and states: only at a terminal, never with NO_COLOR set (no-color.org).
    var colour = false
    /// A test's capture of what would be printed; nil prints.
    var capture: Capture?

    @TaskLocal static var current = Presentation()

    /// What the run would have printed, for a test.
    final class Capture: Sendable {
        private let text = Mutex("")
        private let errors = Mutex("")
        init() {}
        func write(_ s: String, error: Bool) { if error { errors.withLock { $0 += s } } else { text.withLock { $0 += s } } }
        var output: String { text.withLock { $0 } }
        var errorOutput: String { errors.withLock { $0 } }
    }

    /// The run's presentation from the process: `--wide` among the arguments, colour when standard output is a
    /// terminal and NO_COLOR is not set.
    static func forProcess(_ arguments: [String]) -> Presentation {
        var p = Presentation()
        if arguments.contains("--wide") { p.width = nil }
        let noColour = ProcessInfo.processInfo.environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        p.colour = isatty(1) == 1 && !noColour
        return p
    }
}

/// The colours watch uses: SGR codes, written only when `Presentation.colour` says so.
enum Paint {
    case red, yellow, green, bold

    var code: String {
        switch self {
        case .red: "\u{1B}[1;31m"
        case .yellow: "\u{1B}[33m"
        case .green: "\u{1B}[32m"
        case .bold: "\u{1B}[1m"
        }
    }

    /// `text` in this colour when the run colours, else as it is.
    func callAsFunction(_ text: String) -> String {
        Presentation.current.colour ? code + text + "\u{1B}[0m" : text
    }
}
