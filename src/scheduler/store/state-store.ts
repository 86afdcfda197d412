// The scheduler's state store: its jobs, their runs, the events job verbs ask for, the outbox
// of reports for the Freezer API and a few key/value readings, in <stateDir>/scheduler.db.
// The daemon and CLI verbs open it at once (WAL, busy_timeout). Whatever must stay consistent
// when the daemon is killed at any instant changes in one transaction: a run is begun and ended
// with its job's counters, or not at all.
import type Database from 'better-sqlite3';
import type { JobRecord, JobSource, RunOutcome, RunRecord } from '../records.js';
import { openStateFile, StateStoreError } from './state-file.js';

export { StateStoreError } from './state-file.js';

/** The events a job verb (job-start, job-stop, job-abort) asks the daemon for. */
export type RequestedEvent = 'start' | 'stop' | 'abort';
const REQUESTED_EVENTS: readonly string[] = ['start', 'stop', 'abort'] satisfies RequestedEvent[];

export type PutJobResult = 'added' | 'changed' | 'same';

/** The job fields the daemon sets as it goes. */
export type JobPatch = Partial<Pick<JobRecord, 'status' | 'event' | 'result' | 'nextRunMs' | 'requestedEvent' | 'anchorMs'>>;

export interface OutboxEntry {
  id: number;
  kind: string;
  jobId: string | null;
  body: unknown;
  createdMs: number;
  attempts: number;
}

const JOB_COLUMNS = `job_id AS jobId, document, source, source_path AS sourcePath, invalid, status, event, result,
  requested_event AS requestedEvent, anchor_ms AS anchorMs, last_due_ms AS lastDueMs, last_start_ms AS lastStartMs,
  last_end_ms AS lastEndMs, last_success_ms AS lastSuccessMs, last_error AS lastError, last_exit_code AS lastExitCode,
  last_level AS lastLevel, last_bytes AS lastBytes, last_duration_ms AS lastDurationMs, last_backup_name AS lastBackupName,
  next_run_ms AS nextRunMs, runs_total AS runsTotal, failures_total AS failuresTotal`;

const RUN_COLUMNS = `run_id AS runId, job_id AS jobId, due_ms AS dueMs, started_ms AS startedMs, ended_ms AS endedMs, result,
  catch_up AS catchUp, pid, exit_code AS exitCode, level, bytes, duration_ms AS durationMs, backup_name AS backupName, error`;

/** A runs row as SQLite gives it: catch_up is 0 or 1. */
type RunRow = Omit<RunRecord, 'catchUp'> & { catchUp: number };

interface OutboxRow {
  id: number;
  kind: string;
  jobId: string | null;
  body: string;
  createdMs: number;
  attempts: number;
}

/** A JobPatch as bound to UPDATE: a 0/1 flag per field says whether to set it (null is a value). */
type PatchParams = Record<string, string | number | null>;

/** A run's end as bound to the two UPDATEs that record it. */
type RunEndParams = RunOutcome & { runId: number; jobId: string; durationMs: number };

function prepareStatements(db: Database.Database) {
  return {
    getJob: db.prepare<[string], JobRecord>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE job_id = ?`),
    listJobs: db.prepare<[], JobRecord>(`SELECT ${JOB_COLUMNS} FROM jobs ORDER BY job_id`),
    jobDocument: db.prepare<[string], { document: string }>('SELECT document FROM jobs WHERE job_id = ?'),
    insertJob: db.prepare<[{ jobId: string; document: string; source: JobSource; sourcePath: string | null; nowMs: number }]>(
      'INSERT INTO jobs (job_id, document, source, source_path, anchor_ms) VALUES (@jobId, @document, @source, @sourcePath, @nowMs)',
    ),
    replaceDocument: db.prepare<[{ jobId: string; document: string; source: JobSource; sourcePath: string | null; changed: number }]>(
      `UPDATE jobs SET document = @document, source = @source, source_path = @sourcePath,
         invalid = CASE WHEN @changed THEN NULL ELSE invalid END
       WHERE job_id = @jobId`,
    ),
    deleteJob: db.prepare<[string]>('DELETE FROM jobs WHERE job_id = ?'),
    deleteRuns: db.prepare<[string]>('DELETE FROM runs WHERE job_id = ?'),
    setInvalid: db.prepare<[string | null, string]>('UPDATE jobs SET invalid = ? WHERE job_id = ?'),
    patchJob: db.prepare<[PatchParams]>(
      `UPDATE jobs SET
         status = CASE WHEN @setStatus THEN @status ELSE status END,
         event = CASE WHEN @setEvent THEN @event ELSE event END,
         result = CASE WHEN @setResult THEN @result ELSE result END,
         next_run_ms = CASE WHEN @setNextRunMs THEN @nextRunMs ELSE next_run_ms END,
         requested_event = CASE WHEN @setRequestedEvent THEN @requestedEvent ELSE requested_event END,
         anchor_ms = CASE WHEN @setAnchorMs THEN @anchorMs ELSE anchor_ms END
       WHERE job_id = @jobId`,
    ),
    requestEvent: db.prepare<[string, string]>('UPDATE jobs SET requested_event = ? WHERE job_id = ?'),
    requestedEvents: db.prepare<[], { jobId: string; event: RequestedEvent }>(
      "SELECT job_id AS jobId, requested_event AS event FROM jobs WHERE requested_event <> '' ORDER BY job_id",
    ),
    clearRequestedEvents: db.prepare<[]>("UPDATE jobs SET requested_event = '' WHERE requested_event <> ''"),
    insertRun: db.prepare<[{ jobId: string; dueMs: number; startedMs: number; catchUp: number }]>(
      'INSERT INTO runs (job_id, due_ms, started_ms, catch_up) VALUES (@jobId, @dueMs, @startedMs, @catchUp)',
    ),
    jobRunStarted: db.prepare<[{ jobId: string; dueMs: number; startedMs: number }]>(
      `UPDATE jobs SET last_due_ms = @dueMs, last_start_ms = @startedMs, status = 'running', result = '' WHERE job_id = @jobId`,
    ),
    setRunPid: db.prepare<[number, number]>('UPDATE runs SET pid = ? WHERE run_id = ?'),
    getRun: db.prepare<[number], RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE run_id = ?`),
    listRuns: db.prepare<[string, number], RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE job_id = ? ORDER BY run_id DESC LIMIT ?`),
    openRuns: db.prepare<[], RunRow>(`SELECT ${RUN_COLUMNS} FROM runs WHERE ended_ms IS NULL ORDER BY run_id`),
    runEnded: db.prepare<[RunEndParams]>(
      `UPDATE runs SET ended_ms = @endedMs, result = @result, exit_code = @exitCode, level = @level, bytes = @bytes,
         backup_name = @backupName, error = @error, duration_ms = @durationMs
       WHERE run_id = @runId AND ended_ms IS NULL`,
    ),
    // A failure never moves last_success_ms and a success never erases last_error (it is history).
    jobRunEnded: db.prepare<[RunEndParams]>(
      `UPDATE jobs SET last_end_ms = @endedMs, result = @result, last_exit_code = @exitCode,
         last_level = COALESCE(@level, last_level), last_bytes = COALESCE(@bytes, last_bytes),
         last_backup_name = COALESCE(@backupName, last_backup_name), last_duration_ms = @durationMs,
         runs_total = runs_total + 1,
         failures_total = failures_total + CASE WHEN @result = 'success' THEN 0 ELSE 1 END,
         last_success_ms = CASE WHEN @result = 'success' THEN @endedMs ELSE last_success_ms END,
         last_error = CASE WHEN @result = 'success' THEN last_error ELSE @error END
       WHERE job_id = @jobId`,
    ),
    enqueue: db.prepare<[string, string | null, string, number]>('INSERT INTO outbox (kind, job_id, body, created_ms) VALUES (?, ?, ?, ?)'),
    peekOutbox: db.prepare<[number], OutboxRow>(
      'SELECT id, kind, job_id AS jobId, body, created_ms AS createdMs, attempts FROM outbox ORDER BY id LIMIT ?',
    ),
    markAttempt: db.prepare<[number]>('UPDATE outbox SET attempts = attempts + 1 WHERE id = ?'),
    dequeue: db.prepare<[number]>('DELETE FROM outbox WHERE id = ?'),
    getMeta: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
    setMeta: db.prepare<[string, string]>(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    ),
  };
}

function toRunRecord(row: RunRow): RunRecord {
  return { ...row, catchUp: row.catchUp === 1 };
}

export class StateStore {
  private readonly sql: ReturnType<typeof prepareStatements>;

  private constructor(
    private readonly db: Database.Database,
    /** The database file, for messages. */
    readonly file: string,
  ) {
    this.sql = prepareStatements(db);
  }

  /** Opens `<stateDir>/scheduler.db`, making the directory (0700) and the file (0600) when missing. */
  static open(stateDir: string): StateStore {
    const { db, file } = openStateFile(stateDir);
    try {
      return new StateStore(db, file);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  close(): void {
    this.db.close();
  }

  // ---- jobs ----

  /**
   * Adds a job or replaces its document and source, keeping its state. A new document clears
   * `invalid`: whether it runs is decided again.
   */
  putJob(jobId: string, document: string, source: JobSource, sourcePath: string | null, nowMs: number): PutJobResult {
    return this.db
      .transaction((): PutJobResult => {
        const old = this.sql.jobDocument.get(jobId);
        if (!old) {
          this.sql.insertJob.run({ jobId, document, source, sourcePath, nowMs });
          return 'added';
        }
        const changed = old.document !== document;
        this.sql.replaceDocument.run({ jobId, document, source, sourcePath, changed: changed ? 1 : 0 });
        return changed ? 'changed' : 'same';
      })
      .immediate();
  }

  getJob(jobId: string): JobRecord | undefined {
    return this.sql.getJob.get(jobId);
  }

  listJobs(): JobRecord[] {
    return this.sql.listJobs.all();
  }

  /**
   * Runs `fn` (several of the calls below) in one transaction: the daemon records a burst of
   * runs started or ended in the same turn of its event loop together, at the cost of one commit.
   */
  batch<T>(fn: () => T): T {
    return this.db.transaction(fn).immediate();
  }

  /**
   * Removes the job and, unless `keepRuns` (a job the daemon no longer has: its runs are its
   * history), its runs; false when there was no such job.
   */
  deleteJob(jobId: string, keepRuns = false): boolean {
    return this.db
      .transaction(() => {
        if (!keepRuns) this.sql.deleteRuns.run(jobId);
        return this.sql.deleteJob.run(jobId).changes > 0;
      })
      .immediate();
  }

  /** Marks the job's document refused (`reason`) or runnable (null); false when there is no such job. */
  setInvalid(jobId: string, reason: string | null): boolean {
    return this.sql.setInvalid.run(reason, jobId).changes > 0;
  }

  /** Sets the fields present in `patch` (null included); false when there is no such job. */
  updateJob(jobId: string, patch: JobPatch): boolean {
    const params: PatchParams = { jobId };
    for (const key of ['status', 'event', 'result', 'nextRunMs', 'requestedEvent', 'anchorMs'] as const) {
      const present = Object.hasOwn(patch, key) && patch[key] !== undefined;
      params[`set${key[0].toUpperCase()}${key.slice(1)}`] = present ? 1 : 0;
      params[key] = present ? patch[key]! : null;
    }
    return this.sql.patchJob.run(params).changes > 0;
  }

  // ---- events asked for by job verbs ----

  /** Asks the daemon for `event` on the job (a later request replaces one not yet taken); false when there is no such job. */
  requestEvent(jobId: string, event: RequestedEvent): boolean {
    if (!REQUESTED_EVENTS.includes(event)) {
      throw new StateStoreError(
        this.file,
        `cannot request event ${JSON.stringify(event)} for job ${jobId}: it is none of ${REQUESTED_EVENTS.join(', ')}`,
        'USAGE',
      );
    }
    return this.sql.requestEvent.run(event, jobId).changes > 0;
  }

  /** The pending requested events, cleared in the same transaction: each is taken exactly once, whoever else reads. */
  takeRequestedEvents(): { jobId: string; event: RequestedEvent }[] {
    return this.db
      .transaction(() => {
        const events = this.sql.requestedEvents.all();
        if (events.length > 0) this.sql.clearRequestedEvents.run();
        return events;
      })
      .immediate();
  }

  // ---- runs ----

  /** Records a run's start and marks its job running, together. Returns the run's id. */
  beginRun(jobId: string, dueMs: number, startedMs: number, catchUp: boolean): number {
    return this.db
      .transaction((): number => {
        if (!this.sql.jobDocument.get(jobId))
          throw new StateStoreError(this.file, `cannot begin a run of job ${jobId}: no such job in ${this.file}`, 'INTERNAL');
        const runId = Number(this.sql.insertRun.run({ jobId, dueMs, startedMs, catchUp: catchUp ? 1 : 0 }).lastInsertRowid);
        this.sql.jobRunStarted.run({ jobId, dueMs, startedMs });
        return runId;
      })
      .immediate();
  }

  setRunPid(runId: number, pid: number): void {
    this.sql.setRunPid.run(pid, runId);
  }

  /** Records how the run ended and counts it in its job, together. A run ends once: a second end throws. */
  endRun(runId: number, outcome: RunOutcome): void {
    this.db
      .transaction(() => {
        const run = this.sql.getRun.get(runId);
        if (!run) throw new StateStoreError(this.file, `cannot end run ${runId}: no such run in ${this.file}`, 'INTERNAL');
        if (run.endedMs !== null) {
          throw new StateStoreError(
            this.file,
            `cannot end run ${runId} of job ${run.jobId}: it already ended (${run.result}) at ${new Date(run.endedMs).toISOString()}`,
            'INTERNAL',
          );
        }
        this.finishRun(run, outcome);
      })
      .immediate();
  }

  /**
   * For the daemon's start: ends as failed, with `error`, every run a previous daemon left
   * running (it died during them) and returns them. A second call finds none.
   */
  closeInterruptedRuns(nowMs: number, error: string): RunRecord[] {
    return this.db
      .transaction(() =>
        this.sql.openRuns.all().map((run) => {
          this.finishRun(run, { endedMs: nowMs, result: 'fail', exitCode: null, level: null, bytes: null, backupName: null, error });
          return toRunRecord(this.sql.getRun.get(run.runId)!);
        }),
      )
      .immediate();
  }

  /** Inside a transaction: the run's end and its job's counters. */
  private finishRun(run: RunRow, outcome: RunOutcome): void {
    const params: RunEndParams = { ...outcome, runId: run.runId, jobId: run.jobId, durationMs: outcome.endedMs - run.startedMs };
    this.sql.runEnded.run(params);
    this.sql.jobRunEnded.run(params);
  }

  /** The job's latest runs, newest first. */
  listRuns(jobId: string, limit = 20): RunRecord[] {
    return this.sql.listRuns.all(jobId, limit).map(toRunRecord);
  }

  getRun(runId: number): RunRecord | undefined {
    const row = this.sql.getRun.get(runId);
    return row && toRunRecord(row);
  }

  // ---- outbox: reports for the Freezer API, kept through its outages and daemon restarts ----

  /** Queues a report; `body` is stored as JSON. Returns its id. */
  enqueue(kind: string, jobId: string | null, body: unknown): number {
    const json = JSON.stringify(body);
    if (json === undefined)
      throw new StateStoreError(this.file, `cannot queue a ${kind} report: its body (${typeof body}) has no JSON form`, 'INTERNAL');
    return Number(this.sql.enqueue.run(kind, jobId, json, Date.now()).lastInsertRowid);
  }

  /** The oldest `limit` queued reports, oldest first, left in the queue. */
  peekOutbox(limit: number): OutboxEntry[] {
    return this.sql.peekOutbox.all(limit).map((row) => ({ ...row, body: JSON.parse(row.body) as unknown }));
  }

  markAttempt(id: number): void {
    this.sql.markAttempt.run(id);
  }

  /** Removes a report (sent, or given up); false when it was not queued. */
  dequeue(id: number): boolean {
    return this.sql.dequeue.run(id).changes > 0;
  }

  // ---- key/value readings (e.g. the daemon's last wall and monotonic clock) ----

  getMeta(key: string): string | undefined {
    return this.sql.getMeta.get(key)?.value;
  }

  setMeta(key: string, value: string): void {
    this.sql.setMeta.run(key, value);
  }
}
