import ColdChain
import Dispatch
import FoundationEssentials
import Glibc
import Storage

/// The crash test's child: appends from several threads forever and, after each append returns, writes its
/// sequence numbers to stdout (one write(2) per append), so the parent knows what was durable when it killed us.
enum AppendLoop {
    static func run(ledgerPath: String, threads: Int) -> Int32 {
        let ledger: Ledger
        do { ledger = try Ledger(path: ledgerPath) } catch {
            warn("append-loop: \(error)")
            return 1
        }
        for t in 0..<threads {
            DispatchQueue.global().async {
                var i = 0
                while true {
                    i += 1
                    let n = 1 + (i + t) % 4  // mixed sizes exercise group commit
                    let events = (0..<n).map { k in
                        NewEvent(.reading, at: Date(), body: ["sensor": .string("S\(t)"), "i": .number(Double(i)), "k": .number(Double(k))])
                    }
                    do {
                        let written = try ledger.appendBlocking(events)
                        var line = written.map { String($0.seq) }.joined(separator: "\n") + "\n"
                        line.withUTF8 { _ = write(1, $0.baseAddress, $0.count) }
                    } catch {
                        warn("append-loop: \(error)")
                        exit(1)
                    }
                }
            }
        }
        while true { pause() }
    }
}

func warn(_ s: String) {
    var line = s + "\n"
    line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}
