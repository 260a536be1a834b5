import ColdChain

/// The ledger database's migrations. Append new ones at the end; never edit a released one.
public enum LedgerSchema {
    static let migrator = Migrator([
        .init("v1-events", """
            CREATE TABLE events (
                seq       INTEGER PRIMARY KEY NOT NULL,
                at        TEXT NOT NULL,
                type      TEXT NOT NULL,
                body      TEXT NOT NULL,
                prev_hash TEXT NOT NULL,
                hash      TEXT NOT NULL
            );
            -- GSP appendix 3: records cannot be changed or deleted. Corrections are new events.
            CREATE TRIGGER events_no_update BEFORE UPDATE ON events
                BEGIN SELECT RAISE(ABORT, 'ledger events are append-only: UPDATE refused'); END;
            CREATE TRIGGER events_no_delete BEFORE DELETE ON events
                BEGIN SELECT RAISE(ABORT, 'ledger events are append-only: DELETE refused'); END;
            CREATE TABLE heartbeat (
                id  INTEGER PRIMARY KEY CHECK (id = 1),
                at  TEXT NOT NULL,
                pid INTEGER NOT NULL
            );
            """),
        .init("v1-events-type-index", "CREATE INDEX events_by_type ON events(type, seq);"),
        // Not part of the record: how far the platform has confirmed receipt. Updated in place, so not in events.
        .init("v2-uplink-cursor", """
            CREATE TABLE uplink_cursor (
                id  INTEGER PRIMARY KEY CHECK (id = 1),
                seq INTEGER NOT NULL,
                at  TEXT NOT NULL
            );
            """),
        // The hash of the event the cursor points at, as the platform confirmed it: an anchor kept outside this
        // file too (the platform holds it), against which the daemon checks its own chain.
        .init("v3-uplink-anchor", "ALTER TABLE uplink_cursor ADD COLUMN hash TEXT;"),
        // History at any age: every reading's fridge, time, sensor and values, keyed by (fridge, time), filled by a
        // trigger in the same transaction as its event. Derived, never the record: the events stay the one truth,
        // and the index can be rebuilt from them. Before it, `readings F1 --since 24h` read every reading ever
        // written (0.87 s at one year). An existing ledger fills it by `LedgerIndexBuild`, in steps, with progress.
        .init("v4-readings-index", """
            CREATE TABLE readings (
                fridge TEXT NOT NULL,
                t      INTEGER NOT NULL,   -- ms since 1970, UTC
                seq    INTEGER NOT NULL,
                sensor TEXT NOT NULL,
                c      REAL NOT NULL,
                h      REAL,
                PRIMARY KEY (fridge, t, seq)
            ) WITHOUT ROWID;
            CREATE TRIGGER events_index_readings AFTER INSERT ON events
                WHEN NEW.type = '\(readingType)' AND json_valid(NEW.body)
                BEGIN
                    INSERT OR IGNORE INTO readings(\(readingColumns))
                    VALUES (\(readingValues(seq: "NEW.seq", at: "NEW.at", body: "NEW.body")));
                END;
            CREATE TABLE index_build (name TEXT PRIMARY KEY NOT NULL, done INTEGER NOT NULL, upto INTEGER NOT NULL);
            INSERT INTO index_build SELECT 'readings', 0, coalesce(max(seq), 0) FROM events;
            """),
        // `lookup` finds a dose's scans by its key, not by reading every scan ever recorded.
        .init("v4-scan-dose-index", "CREATE INDEX events_scan_dose ON events(json_extract(body, '$.dose')) WHERE type = 'scan';"),
        // What is in the fridges: each dose in stock and the scan that put it there, kept by a trigger in the same
        // transaction as the scan. Derived, like `readings`. Before it, the scan hub read every scan ever recorded
        // at start and kept every dose that ever went out in memory (READY 2.1 s and 61 MB at one year); now it
        // reads the stock, which is bounded by what fits in the fridges, and asks the dose index about the rest.
        // An existing ledger fills it here from its scans (the last moving scan of each dose says where it is).
        // The v4 dose index refused a scan whose body is not JSON ("malformed JSON" from json_extract): it is
        // rebuilt on an expression that is null for such a body, so an index never refuses the record.
        .init("v5-stock", """
            DROP INDEX events_scan_dose;
            CREATE INDEX events_scan_dose_v5 ON events(\(scanDose)) WHERE type = '\(scanType)';
            CREATE TABLE stock (dose TEXT PRIMARY KEY NOT NULL, seq INTEGER NOT NULL) WITHOUT ROWID;
            CREATE TRIGGER events_index_stock AFTER INSERT ON events
                WHEN NEW.type = '\(scanType)' AND \(movesDose("NEW.body"))
                BEGIN
                    DELETE FROM stock WHERE dose = json_extract(NEW.body, '$.\(Scan.Key.dose)');
                    INSERT INTO stock(dose, seq) SELECT json_extract(NEW.body, '$.\(Scan.Key.dose)'), NEW.seq
                        WHERE json_extract(NEW.body, '$.\(Scan.Key.direction)') IS '\(Scan.Key.into)';
                END;
            INSERT INTO stock(dose, seq)
                SELECT dose, seq FROM (
                    SELECT json_extract(body, '$.\(Scan.Key.dose)') AS dose, max(seq) AS seq,
                           json_extract(body, '$.\(Scan.Key.direction)') AS direction
                    FROM events WHERE type = '\(scanType)' AND \(movesDose("body"))
                    GROUP BY 1)
                WHERE direction IS '\(Scan.Key.into)';
            """),
    ])

    /// The migration this build brings a ledger to (`coldchainctl version` shows it), and how many there are.
    public static var latest: String { migrator.migrations.last?.name ?? "none" }
    public static var count: Int { migrator.migrations.count }

    static let readingType = EventType.reading.rawValue
    static let scanType = EventType.scan.rawValue
    /// The expression `events_scan_dose_v5` indexes; a query must use it exactly (and `type = 'scan'`) to use the
    /// index. CASE, because SQLite does not promise to stop an AND at the first false, and json_extract fails on
    /// a body that is not JSON.
    static let scanDose = "(CASE WHEN json_valid(body) THEN json_extract(body, '$.\(Scan.Key.dose)') END)"

    /// SQL true when a scan's body moved a dose with a key (a text `dose`), false for any other body, JSON or not.
    static func movesDose(_ body: String) -> String {
        "(CASE WHEN json_valid(\(body)) THEN json_extract(\(body), '$.\(Scan.Key.moved)') AND json_type(\(body), '$.\(Scan.Key.dose)') = 'text' ELSE 0 END)"
    }

    /// The index row of a reading event, as SQL over its columns: written by the trigger for each new event and by
    /// `LedgerIndexBuild` for those before the index. `INSERT OR IGNORE` with it: a body without a temperature is
    /// left out of the index, never refused (the event is the record; the index only speeds up reading it).
    static let readingColumns = "fridge, t, seq, sensor, c, h"
    static func readingValues(seq: String, at: String, body: String) -> String {
        """
        coalesce(json_extract(\(body), '$.\(Reading.Key.fridge)'), ''),
        CAST(round((julianday(\(at)) - 2440587.5) * 86400000) AS INTEGER), \(seq),
        json_extract(\(body), '$.\(Reading.Key.sensor)'), json_extract(\(body), '$.\(Reading.Key.celsius)'),
        json_extract(\(body), '$.\(Reading.Key.humidity)')
        """
    }
}
