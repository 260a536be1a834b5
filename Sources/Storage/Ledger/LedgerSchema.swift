import ColdChain

/// The ledger database's migrations. Append new ones at the end; never edit a released one.
enum LedgerSchema {
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
        .init("v4-scan-dose-index", "CREATE INDEX events_scan_dose ON events(\(scanDose)) WHERE type = '\(scanType)';"),
    ])

    static let readingType = EventType.reading.rawValue
    static let scanType = EventType.scan.rawValue
    /// The expression `events_scan_dose` indexes; a query must use it exactly (and `type = 'scan'`) to use the index.
    static let scanDose = "json_extract(body, '$.\(Scan.Key.dose)')"

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
