import CRawBench
import ColdChain
import Dispatch
import FoundationEssentials
import Glibc
import Storage
import Synchronization

/// Ledger appends per second beside raw sqlite3 C-API inserts of rows of the same size, same schema, same
/// durability (WAL, synchronous=FULL), in the same run.
enum LedgerBench {
    struct Case {
        var name: String
        var rows: Int
        var rowsPerCall: Int
        var writers: Int
    }

    static func run(rows: Int, batchRows: Int) -> Int32 {
        let body = #"{"c":4.6,"h":45.2,"raw":46,"sensor":"F1-air","unit":1}"#
        let cases = [
            Case(name: "single appends, 1 writer", rows: rows, rowsPerCall: 1, writers: 1),
            Case(name: "single appends, 8 writers", rows: rows, rowsPerCall: 1, writers: 8),
            Case(name: "100-event batches, 1 writer", rows: batchRows, rowsPerCall: 100, writers: 1),
        ]
        print("ledger append benchmark: \(body.utf8.count)-byte bodies, WAL, synchronous=FULL, each case on a fresh file")
        print("case                          ledger ev/s     raw C rows/s   ratio")
        var worst = Double.infinity
        for c in cases {
            let dir = "/tmp/coldchain-bench-\(getpid())"
            mkdir(dir, 0o755)
            defer { _ = try? FileManager.default.removeItem(atPath: dir) }
            var error = [CChar](repeating: 0, count: 256)
            // The raw loop with 8 threads does what C without group commit does: one transaction per row, each waiting for the lock.
            let raw = cc_raw_sqlite_inserts(dir + "/raw.sqlite", Int32(c.rows), Int32(c.rowsPerCall), Int32(c.writers), Int32(body.utf8.count), &error)
            guard raw > 0 else { print("raw C failed: \(String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))"); return 1 }
            let ours: Double
            do { ours = try measureLedger(path: dir + "/ledger.sqlite", c, body: body) } catch {
                print("ledger failed: \(error)"); return 1
            }
            let ratio = ours / raw
            worst = min(worst, ratio)
            print(c.name.padding(30) + String(Int(ours)).padding(16) + String(Int(raw)).padding(15) + String((ratio * 100).rounded() / 100))
        }
        print("lowest ratio \((worst * 100).rounded() / 100) (goal: at least 0.5)")
        return 0
    }

    static func measureLedger(path: String, _ c: Case, body: String) throws -> Double {
        let ledger = try Ledger(path: path)
        defer { ledger.close() }
        let perWriter = c.rows / c.writers / c.rowsPerCall
        let start = DispatchTime.now().uptimeNanoseconds
        let group = DispatchGroup()
        let failure = FailureBox()
        for _ in 0..<c.writers {
            // Plain threads, as bus pollers and scanners will call it.
            DispatchQueue.global().async(group: group) {
                let events = (0..<c.rowsPerCall).map { _ in NewEvent(type: EventType.reading.rawValue, at: Date(), bodyJSON: body) }
                for _ in 0..<perWriter {
                    do { try ledger.appendBlocking(events) } catch { failure.set("\(error)"); return }
                }
            }
        }
        group.wait()
        if let f = failure.get() { throw BenchError(message: f) }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Double(perWriter * c.writers * c.rowsPerCall) / seconds
    }
}

struct BenchError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// The first failure any writer thread met.
final class FailureBox: Sendable {
    private let value = Mutex<String?>(nil)
    func set(_ s: String) { value.withLock { $0 = $0 ?? s } }
    func get() -> String? { value.withLock { $0 } }
}
