// Where the daemon's jobs come from: the jobs directory and the local store (standalone), or a
// Freezer API server (fleet). A feed reads its source into the state store; the daemon then
// runs what the store holds, the same way in both modes.
import type { JobEvent } from '../job-state.js';
import type { RunOutcome } from '../records.js';
import type { JobRunResult } from '../run-job.js';
import type { StateStore } from '../store/state-store.js';
import { scanJobsDir } from './jobs-dir.js';
import type { SchedulerLog } from './log.js';

export interface FeedRefresh {
  /** The jobs the source holds now, each with an event it asks for (an API's job_schedule.event), if any. */
  jobs: { jobId: string; event: JobEvent }[];
  /** False when part of the source could not be read: a job missing from `jobs` is not removed. */
  complete: boolean;
}

/** What the daemon tells the source about a job (freezer-scheduler's PATCH of job_schedule). */
export interface JobReport {
  status: string;
  event: string;
  result: string;
  timeStarted?: number;
  timeEnded?: number;
  currentPid?: number;
}

export interface JobFeed {
  /** Reads the source into the store. Never throws for a source that is down: `complete` says so. */
  refresh(): Promise<FeedRefresh>;
  report(jobId: string, report: JobReport): void;
  /** A run is over: an API gets its backups' metadata and the session's end. */
  runEnded(jobId: string, run: JobRunResult, outcome: RunOutcome): void;
  /** A run starts: an API session is joined (resolves when the run may go on). */
  runStarting(jobId: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Standalone: the jobs directory (files come and go) and the jobs made with `job-create` (in
 * the store, source 'local'). Events come from the job verbs through the store.
 */
export class LocalFeed implements JobFeed {
  private readonly reported = new Set<string>();
  constructor(
    private readonly store: StateStore,
    private readonly jobsDir: string,
    private readonly log: SchedulerLog,
  ) {}

  async refresh(): Promise<FeedRefresh> {
    const now = Date.now();
    const scan = scanJobsDir(this.jobsDir);
    for (const p of scan.problems) {
      const key = `${p.file}\0${p.reason}`;
      if (!this.reported.has(key)) this.log.log('error', `jobs directory: ${p.file}: ${p.reason}; its job is not run`, { file: p.file });
      this.reported.add(key);
    }
    const inDir = new Set<string>();
    for (const f of scan.jobs) {
      inDir.add(f.jobId);
      this.store.putJob(f.jobId, f.document, 'dir', f.file, now);
    }
    // A file that is unreadable for a moment (being rewritten) does not remove its job.
    const problemFiles = new Set(scan.problems.map((p) => p.file));
    const jobs: FeedRefresh['jobs'] = [];
    for (const job of this.store.listJobs()) {
      const present = job.source === 'local' || inDir.has(job.jobId) || (job.sourcePath !== null && problemFiles.has(job.sourcePath));
      if (present) jobs.push({ jobId: job.jobId, event: '' });
    }
    return Promise.resolve({ jobs, complete: true });
  }

  report(): void {
    // The store holds the status already; nothing else to tell.
  }

  runEnded(): void {}

  runStarting(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
