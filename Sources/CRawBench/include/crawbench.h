#ifndef COLDCHAIN_CRAWBENCH_H
#define COLDCHAIN_CRAWBENCH_H

/// Raw sqlite3 C-API inserts into a table of the ledger's shape (same columns, same index, WAL,
/// synchronous=FULL): `threads` threads, each with its own connection, together insert `rows` rows of
/// `body_len`-byte bodies, `rows_per_txn` rows per transaction. Returns rows per second, or -1 on error
/// (with the message in `error`, at most 255 bytes).
double cc_raw_sqlite_inserts(const char *path, int rows, int rows_per_txn, int threads, int body_len, char *error);

/// A tight libmodbus loop: `reads` reads of `count` holding registers from a TCP server at host:port.
/// Returns reads per second, or -1 on error.
double cc_raw_modbus_reads(const char *host, int port, int unit, int reads, int count, char *error);

/// Runs one query on a read-only connection and reads every column of every row, as the daemon does.
/// Returns milliseconds (prepare to last row) with the row count in `rows`, or -1 on error.
double cc_raw_sqlite_query(const char *path, const char *sql, long long *rows, char *error);

#endif
