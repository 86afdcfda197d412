// What the scheduler keeps about a job and each of its runs (docs/SCHEDULER.md §8): the rows
// of the state store, what the job verbs print, what the metrics and hooks are made of.
import type { JobRunResult, RunResult } from './run-job.js';

/** Where a job's document came from. */
export type JobSource = 'dir' | 'local' | 'api';

export interface JobRecord {
  jobId: string;
  /** The job document as JSON text, as given (a jobs-dir file, job-create, the API). */
  document: string;
  source: JobSource;
  /** The jobs-dir file it came from (source 'dir'), or null. */
  sourcePath: string | null;
  /** Why the document was refused (JobDocumentError's message), or null: it runs. */
  invalid: string | null;
  /** job_schedule.status, event and result as last reported. */
  status: string;
  event: string;
  result: string;
  /** An event asked for by a job verb (job-start, job-stop, job-abort) that the daemon has not taken yet, or ''. */
  requestedEvent: string;
  /** When the daemon first scheduled the job (an interval without a start date counts from it). */
  anchorMs: number;
  /** The due time of the latest run started (catch-up counts from it), or null: never ran. */
  lastDueMs: number | null;
  lastStartMs: number | null;
  lastEndMs: number | null;
  /** Only a successful run moves it; a failure or a retry never does. */
  lastSuccessMs: number | null;
  /** The latest failure's words; a later success leaves it (it is history), lastResult tells. */
  lastError: string | null;
  lastExitCode: number | null;
  lastLevel: number | null;
  lastBytes: number | null;
  lastDurationMs: number | null;
  lastBackupName: string | null;
  /** When the next run starts (jitter included), or null: nothing planned. */
  nextRunMs: number | null;
  runsTotal: number;
  failuresTotal: number;
}

export interface RunRecord {
  runId: number;
  jobId: string;
  /** The time the run was for. */
  dueMs: number;
  startedMs: number;
  /** null while it runs (or when the daemon died during it, until the next start closes it). */
  endedMs: number | null;
  result: RunResult | null;
  catchUp: boolean;
  /** The agent's pid of the latest action, or null. */
  pid: number | null;
  exitCode: number | null;
  level: number | null;
  bytes: number | null;
  durationMs: number | null;
  backupName: string | null;
  error: string | null;
}

/** How a run ended, as recorded. */
export interface RunOutcome {
  endedMs: number;
  result: RunResult;
  exitCode: number | null;
  level: number | null;
  bytes: number | null;
  backupName: string | null;
  error: string | null;
}

/**
 * A run's outcome from runJob's result: the exit code of the last try that ran, and the level,
 * bytes stored and name of the last backup any action made (from its --metadata-out).
 */
export function outcomeOf(run: JobRunResult): RunOutcome {
  let exitCode: number | null = null;
  let level: number | null = null;
  let bytes: number | null = null;
  let backupName: string | null = null;
  for (const action of run.actions) {
    const last = action.tries.at(-1);
    if (!last) continue;
    exitCode = last.exitCode;
    const m = last.metadata;
    if (m && m.action === 'backup') {
      if (typeof m.curr_backup_level === 'number') level = m.curr_backup_level;
      if (typeof m.backup_name === 'string') backupName = m.backup_name;
      const size = storedBytes(m.permafrost);
      if (size !== null) bytes = (bytes ?? 0) + size;
    }
  }
  return { endedMs: run.endedMs, result: run.result, exitCode, level, bytes, backupName, error: run.error };
}

/** The size of the stored data stream (permafrost.data.size), when the agent says it. */
function storedBytes(info: unknown): number | null {
  if (typeof info !== 'object' || info === null) return null;
  const data = (info as { data?: unknown }).data;
  if (typeof data !== 'object' || data === null) return null;
  const size = (data as { size?: unknown }).size;
  return typeof size === 'number' ? size : null;
}
