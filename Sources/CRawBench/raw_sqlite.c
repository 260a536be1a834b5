// The reference the ledger benchmark is measured against: what plain C does with sqlite3 for the same rows.
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "crawbench.h"

struct job {
    const char *path;
    int rows, rows_per_txn, body_len, first_seq, stride;
    char error[256];
    int failed;
};

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int exec_or_fail(sqlite3 *db, const char *sql, struct job *j) {
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        snprintf(j->error, sizeof(j->error), "%s: %s", sql, msg ? msg : "?");
        sqlite3_free(msg);
        j->failed = 1;
        return -1;
    }
    return 0;
}

static void *run_job(void *arg) {
    struct job *j = arg;
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(j->path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        snprintf(j->error, sizeof(j->error), "open: %s", sqlite3_errmsg(db));
        j->failed = 1;
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 60000);
    if (exec_or_fail(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL", j)) { sqlite3_close(db); return NULL; }
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(db, "INSERT INTO events(seq, at, type, body, prev_hash, hash) VALUES (?,?,?,?,?,?)", -1, &st, NULL);
    char *body = malloc(j->body_len + 1);
    memset(body, 'x', j->body_len);
    body[0] = '{'; body[j->body_len - 1] = '}'; body[j->body_len] = 0;
    const char *hash = "5b0c7a9e3f1d2c4b6a8e0f1d3c5b7a9e1f3d5c7b9a0e2f4d6c8b0a1e3f5d7c9b";
    int seq = j->first_seq;
    for (int done = 0; done < j->rows && !j->failed; ) {
        if (exec_or_fail(db, "BEGIN IMMEDIATE", j)) break;
        for (int k = 0; k < j->rows_per_txn && done < j->rows; k++, done++) {
            sqlite3_bind_int64(st, 1, seq);
            sqlite3_bind_text(st, 2, "2026-11-23T07:24:50.123Z", -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 3, "reading", -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 4, body, j->body_len, SQLITE_STATIC);
            sqlite3_bind_text(st, 5, hash, 64, SQLITE_STATIC);
            sqlite3_bind_text(st, 6, hash, 64, SQLITE_STATIC);
            if (sqlite3_step(st) != SQLITE_DONE) {
                snprintf(j->error, sizeof(j->error), "insert: %s", sqlite3_errmsg(db));
                j->failed = 1;
            }
            sqlite3_reset(st);
            seq += j->stride;
        }
        if (!j->failed) exec_or_fail(db, "COMMIT", j);
    }
    free(body);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return NULL;
}

double cc_raw_sqlite_inserts(const char *path, int rows, int rows_per_txn, int threads, int body_len, char *error) {
    struct job setup = { .path = path };
    sqlite3 *db = NULL;
    sqlite3_open(path, &db);
    if (exec_or_fail(db, "PRAGMA journal_mode=WAL;"
                         "CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY NOT NULL, at TEXT NOT NULL,"
                         " type TEXT NOT NULL, body TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);"
                         "CREATE INDEX IF NOT EXISTS events_by_type ON events(type, seq);", &setup)) {
        strcpy(error, setup.error);
        sqlite3_close(db);
        return -1;
    }
    sqlite3_close(db);
    struct job *jobs = calloc(threads, sizeof(struct job));
    pthread_t *tids = calloc(threads, sizeof(pthread_t));
    for (int t = 0; t < threads; t++) {
        jobs[t] = (struct job){ .path = path, .rows = rows / threads, .rows_per_txn = rows_per_txn,
                                .body_len = body_len, .first_seq = t + 1, .stride = threads };
    }
    double start = now_seconds();
    for (int t = 0; t < threads; t++) pthread_create(&tids[t], NULL, run_job, &jobs[t]);
    for (int t = 0; t < threads; t++) pthread_join(tids[t], NULL);
    double elapsed = now_seconds() - start;
    double result = (double)(rows / threads * threads) / elapsed;
    for (int t = 0; t < threads; t++) {
        if (jobs[t].failed) { strcpy(error, jobs[t].error); result = -1; }
    }
    free(jobs);
    free(tids);
    return result;
}

double cc_raw_sqlite_query(const char *path, const char *sql, long long *rows, char *error) {
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(error, 256, "%s", sqlite3_errmsg(db));
        sqlite3_close(db);
        return -1;
    }
    sqlite3_stmt *st = NULL;
    double start = now_seconds();
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(error, 256, "%s", sqlite3_errmsg(db));
        sqlite3_close(db);
        return -1;
    }
    long long n = 0;
    double sink = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        // Read every column as the daemon does, so the reference does the same work.
        for (int i = 0; i < sqlite3_column_count(st); i++) {
            if (sqlite3_column_type(st, i) == SQLITE_TEXT) sink += sqlite3_column_bytes(st, i);
            else sink += sqlite3_column_double(st, i);
        }
        n++;
    }
    double elapsed = now_seconds() - start;
    if (rc != SQLITE_DONE) snprintf(error, 256, "%s", sqlite3_errmsg(db));
    sqlite3_finalize(st);
    sqlite3_close(db);
    *rows = n + (sink < 0 ? 1 : 0);
    return rc == SQLITE_DONE ? elapsed * 1000 : -1;
}
