// The tables of the scheduler's state store (state-store.ts) and their version. The version
// lives in PRAGMA user_version: a store made by a newer permafrost is refused rather than
// misread, and an older one is brought up by the steps in MIGRATIONS.

/** The schema version this code reads and writes. */
export const SCHEMA_VERSION = 1;

/**
 * MIGRATIONS[n] brings a store from version n to n + 1 (0 is an empty file). Each runs inside
 * the opening transaction, so a store is never left half-migrated.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE jobs (
    job_id TEXT PRIMARY KEY NOT NULL,
    document TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('dir', 'local', 'api')),
    source_path TEXT,
    invalid TEXT,
    status TEXT NOT NULL DEFAULT '',
    event TEXT NOT NULL DEFAULT '',
    result TEXT NOT NULL DEFAULT '',
    requested_event TEXT NOT NULL DEFAULT '',
    anchor_ms INTEGER NOT NULL,
    last_due_ms INTEGER,
    last_start_ms INTEGER,
    last_end_ms INTEGER,
    last_success_ms INTEGER,
    last_error TEXT,
    last_exit_code INTEGER,
    last_level INTEGER,
    last_bytes INTEGER,
    last_duration_ms INTEGER,
    last_backup_name TEXT,
    next_run_ms INTEGER,
    runs_total INTEGER NOT NULL DEFAULT 0,
    failures_total INTEGER NOT NULL DEFAULT 0
  ) STRICT;

  -- AUTOINCREMENT: a run id is never handed out twice, even after its job and runs are deleted.
  CREATE TABLE runs (
    run_id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- No foreign key: a removed job's runs stay as its history (run-list shows them); job-delete removes them.
    job_id TEXT NOT NULL,
    due_ms INTEGER NOT NULL,
    started_ms INTEGER NOT NULL,
    ended_ms INTEGER,
    result TEXT CHECK (result IN ('success', 'fail', 'aborted')),
    catch_up INTEGER NOT NULL CHECK (catch_up IN (0, 1)),
    pid INTEGER,
    exit_code INTEGER,
    level INTEGER,
    bytes INTEGER,
    duration_ms INTEGER,
    backup_name TEXT,
    error TEXT
  ) STRICT;
  CREATE INDEX runs_by_job ON runs (job_id, run_id);
  CREATE INDEX runs_open ON runs (run_id) WHERE ended_ms IS NULL;

  -- No foreign key on job_id: the report of a deleted job must still reach the API.
  CREATE TABLE outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    job_id TEXT,
    body TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0
  ) STRICT;

  CREATE TABLE meta (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
  ) STRICT;
  `,
];
