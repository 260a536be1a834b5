import ColdChain
import Control
import Foundation
@testable import Gateway
@testable import Storage
import Testing
import TestSupport

/// History at any age: readings come from the readings index, long windows come in parts, buckets agree with a
/// direct computation, and exports read back with a CSV parser.
@Suite(.serialized) struct HistoryTests {
    /// 90 days of one sensor every 5 minutes before now (25,920 readings: more than the 25,000 one reply once
    /// held), written through the ledger's batch path; temperatures follow a known pattern.
    static func history(_ ledger: Ledger, days: Int, step: Double = 300, until end: Date) async throws -> [(Date, Double)] {
        let n = Int(Double(days) * 86400 / step)
        var points: [(Date, Double)] = []
        var batch: [NewEvent] = []
        for i in 0..<n {
            let t = end.addingTimeInterval(-Double(n - i) * step)
            let c = 4.0 + Double(i % 40) / 10
            points.append((t, c))
            batch.append(NewEvent(Reading.measured(sensor: "F1-air", fridge: "F1", celsius: c, humidity: 40), at: t))
            if batch.count == 5000 { _ = try await ledger.append(contentsOf: batch); batch = [] }
        }
        if !batch.isEmpty { _ = try await ledger.append(contentsOf: batch) }
        return points
    }

    @Test func ninetyDaysStreamInPartsAndBucketsMatchADirectComputation() async throws {
        let dir = TempDir("cc-history")
        dir.write("devices/generic-int16-x10.json5", genericProfile)
        let configPath = dir.write("coldchaind.json5", validConfig)
        let config = try ConfigLoader.load(path: configPath).get().0
        let seeded = try Ledger(path: config.storage.path)
        let points = try await Self.history(seeded, days: 90, until: Date())
        seeded.close()
        let d = try InProcessDaemon(dir: dir)
        try await d.waitReady()
        let sock = d.config.control.socket

        // Every reading of the window, in order, in more than one part; the summary covers them all.
        let request = Commands.Readings.request(.init(fridge: "F1", since: try DurationArgument("91d", key: "since", in: 1...1e9)))
        let (parts, rows, reply, end) = try await offPool { () -> (Int, [ReadingRow], ControlReply, JSONValue?) in
            var parts = 0
            var rows: [ReadingRow] = []
            let (reply, end) = try ControlClient(path: sock).callInParts(request, as: ReadingsPart.self, header: { _ in }, part: { p in
                parts += 1
                rows += p.readings ?? []
            })
            return (parts, rows, reply, end)
        }
        guard case .ok = reply else { Issue.record("\(reply)"); return }
        #expect(rows.count == points.count, "every reading of the window")
        #expect(parts == (points.count + ControlParts.rows - 1) / ControlParts.rows)
        #expect(rows.map(\.celsius) == points.map(\.1))
        #expect(rows.map(\.at) == points.map { RFC3339.format($0.0) })
        let summary = try #require(try end?.decode(ReadingsEnd.self)).summary
        #expect(summary.count == points.count && summary.minC == 4.0 && summary.maxC == 7.9)

        // Hourly buckets: the same min, max, mean and count as computed here from the points themselves.
        let every = try DurationArgument("1h", key: "every", in: 1...1e9)
        let since = try DurationArgument("30d", key: "since", in: 1...1e9)
        let (bucketReply, bucketRows, bucketHeader) = try await offPool { () -> (ControlReply, [BucketRow], ReadingsHeader?) in
            var rows: [BucketRow] = []
            var header: ReadingsHeader?
            let (reply, _) = try ControlClient(path: sock).callInParts(Commands.Readings.request(.init(fridge: "F1", since: since, every: every)),
                                                                        as: ReadingsPart.self, header: { header = try $0.decode(ReadingsHeader.self) },
                                                                        part: { rows += $0.buckets ?? [] })
            return (reply, rows, header)
        }
        guard case .ok = bucketReply, let start = bucketHeader.flatMap({ RFC3339.parse($0.since) }) else { Issue.record("\(bucketReply)"); return }
        // On the hour (the clinic's clock; UTC here, whose hours are any whole-hour zone's), not at the minute the
        // window happened to start.
        #expect(Int(start.timeIntervalSince1970) % 3600 == 0, "\(start)")
        var expected: [Int: [Double]] = [:]
        for (t, c) in points where t >= start { expected[Int(((t.timeIntervalSince(start)) * 1000).rounded() / 3_600_000), default: []].append(c) }
        #expect(bucketRows.count == expected.count)
        for b in bucketRows {
            let k = Int(((RFC3339.parse(b.from)!.timeIntervalSince(start)) * 1000).rounded() / 3_600_000)
            let values = try #require(expected[k], "bucket \(b.from)")
            #expect(b.count == values.count && b.minC == values.min() && b.maxC == values.max())
            #expect(abs(b.meanC - values.reduce(0, +) / Double(values.count)) <= 0.005)
        }

        // The CLI: CSV with a byte-order mark that Python's csv module reads back row for row; JSON as one object.
        // (Child processes are waited for off the cooperative pool: the in-process daemon needs its threads.)
        let csvFile = dir.file("readings.csv")
        let csv = try await offPool { shell("\(binaryPath("coldchainctl")) --socket \(sock) readings F1 --since 91d --csv > \(csvFile)") }
        #expect(csv.status == 0, "\(csv.output)")
        let parsed = try await offPool { shell("""
            python3 -c "import csv,sys; f=open('\(csvFile)', encoding='utf-8-sig'); r=list(csv.DictReader(f)); \
            print(len(r), r[0]['at'], r[-1]['c'], open('\(csvFile)','rb').read(3).hex())"
            """) }
        #expect(parsed.output.trimmingCharacters(in: .whitespacesAndNewlines)
                == "\(points.count) \(RFC3339.format(points[0].0)) \(points.last!.1) efbbbf", "\(parsed.output)")
        let json = try await offPool { try run("coldchainctl", ["--socket", sock, "--json", "readings", "F1", "--since", "91d"]) }
        let object = try JSONValue.parse(Data(json.out.utf8))
        #expect(object["readings"]?.arrayValue?.count == points.count && object["fridge"] == "F1" && object["summary"]?["count"]?.intValue == points.count)
        #expect(await d.stop() == 0)
    }

    /// A ledger written before the index existed (the fixture, from the main of before) gains it on open, with
    /// progress, and the index holds exactly the readings the events hold.
    @Test func anOlderLedgerGainsTheIndexOnOpen() throws {
        let dir = TempDir("cc-history")
        let copy = dir.file("ledger.sqlite")
        try FileManager.default.copyItem(atPath: EventFixtureTests.path, toPath: copy)
        let progress = LogCapture()
        let ledger = try Ledger(path: copy, progress: { progress.append($0) })
        ledger.close()
        #expect(progress.contains("building the readings index"), "\(progress.all)")
        #expect(progress.contains("readings index 100%"), "\(progress.all)")
        let reader = try LedgerReader(path: copy)
        defer { reader.close() }
        let fromEvents: [(Int64, String, Double)] = try reader.events(types: [EventType.reading.rawValue]).compactMap { e in
            guard case .reading(let r)? = try e.typed(), r.fridge == "F1" else { return nil }
            return (e.seq, r.sensor, r.celsius)
        }
        var fromIndex: [(Int64, String, Double)] = []
        try reader.forEachReading(fridge: "F1", from: Date(timeIntervalSince1970: 0), to: Date(timeIntervalSince1970: 4e9)) { r in
            fromIndex.append((r.seq, r.sensor, r.celsius))
            return true
        }
        #expect(!fromEvents.isEmpty)
        #expect(fromIndex.map(\.0) == fromEvents.map(\.0) && fromIndex.map(\.2) == fromEvents.map(\.2))
        #expect(try reader.integrityCheck() == "ok" && reader.verify().ok)
    }
}
