import ColdChain
import FoundationEssentials

/// One reading as the readings index holds it.
public struct IndexedReading: Sendable, Equatable {
    public var seq: Int64
    /// Milliseconds since 1970, UTC.
    public var millis: Int64
    public var sensor: String
    public var celsius: Double
    public var humidity: Double?
    public var date: Date { Date(timeIntervalSince1970: Double(millis) / 1000) }
}

/// Min, max and mean of one sensor's readings in one bucket of a window.
public struct ReadingBucket: Sendable, Equatable {
    public var sensor: String
    /// The bucket's start, ms since 1970, UTC.
    public var startMillis: Int64
    public var count: Int
    public var minC: Double
    public var maxC: Double
    public var meanC: Double
}

/// History from the derived indexes (LedgerSchema v4): the cost follows the window asked for, not the ledger's age.
extension LedgerReader {
    public static func millis(_ d: Date) -> Int64 {
        let ms = (d.timeIntervalSince1970 * 1000).rounded()
        return ms.isFinite ? Int64(max(min(ms, 9.0e15), -9.0e15)) : 0
    }

    /// A fridge's readings from `from` up to (not including) `to`, oldest first, one at a time: `body` returns false
    /// to stop. Nothing is held but the current row.
    public func forEachReading(fridge: String, from: Date, to: Date, sensor: String? = nil,
                               _ body: (IndexedReading) throws -> Bool) throws {
        let sql = "SELECT seq, t, sensor, c, h FROM readings WHERE fridge = ? AND t >= ? AND t < ?"
            + (sensor == nil ? "" : " AND sensor = ?") + " ORDER BY t, seq"
        var values: [Statement.Value] = [.text(fridge), .integer(Self.millis(from)), .integer(Self.millis(to))]
        if let sensor { values.append(.text(sensor)) }
        struct Stop: Error {}
        do {
            try db.statement(sql).forEachRow(values) { r in
                let reading = IndexedReading(seq: r.int(0), millis: r.int(1), sensor: r.string(2), celsius: r.double(3),
                                             humidity: r.isNull(4) ? nil : r.double(4))
                if try !body(reading) { throw Stop() }
            }
        } catch is Stop {}
    }

    /// A fridge's readings in buckets of `every` seconds from `from` (aligned to `from`), per sensor, oldest first.
    public func readingBuckets(fridge: String, from: Date, to: Date, every: Double) throws -> [ReadingBucket] {
        let width = max(Int64((every * 1000).rounded()), 1)
        let start = Self.millis(from)
        return try db.statement("""
            SELECT sensor, (t - ?1) / ?2 AS b, count(*), min(c), max(c), avg(c) FROM readings
            WHERE fridge = ?3 AND t >= ?1 AND t < ?4 GROUP BY b, sensor ORDER BY b, sensor
            """).rows([.integer(start), .integer(width), .text(fridge), .integer(Self.millis(to))]) { r in
            ReadingBucket(sensor: r.string(0), startMillis: start + r.int(1) * width, count: Int(r.int(2)), minC: r.double(3),
                          maxC: r.double(4), meanC: r.double(5))
        }
    }

    /// The scans of one dose (by its key), oldest first, through the scan index.
    public func scans(dose: String, limit: Int) throws -> [LedgerEvent] {
        try db.statement("""
            SELECT seq, at, type, body, prev_hash, hash FROM events
            WHERE \(LedgerSchema.scanDose) = ? AND type = '\(LedgerSchema.scanType)' ORDER BY seq LIMIT ?
            """).rows([.text(dose), .integer(Int64(limit))], Self.event)
    }
}
