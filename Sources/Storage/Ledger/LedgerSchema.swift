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
    ])
}
