// One run of a job (docs/SCHEDULER.md §5): its actions in order, as freezer-scheduler runs
// them: an action runs when it is mandatory or every action run before it succeeded; a failed
// try is retried up to max_retries times, the first after max_retries_interval seconds and each
// later one after twice the wait before (up to a cap, so a failing job never turns into a
// retry storm); an abort ends the run at once. The job's result: success, fail or aborted.
import { setTimeout as delay } from 'node:timers/promises';
import type { JobDocument } from './job-document.js';
import { runAgent, type AgentRunOptions, type AgentRunResult } from './agent-run.js';

export type RunResult = 'success' | 'fail' | 'aborted';

export interface ActionOutcome {
  index: number;
  /** 'skipped': not mandatory, after a failure. */
  result: RunResult | 'skipped';
  tries: AgentRunResult[];
}

export interface JobRunResult {
  result: RunResult;
  actions: ActionOutcome[];
  startedMs: number;
  endedMs: number;
  /** The last failure's words (its stderr's last line, or how it ended), for the job's "last error". */
  error: string | null;
}

export interface JobRunOptions {
  agentPath: string;
  env?: NodeJS.ProcessEnv;
  tmpDir?: string;
  privateDir?: string;
  signal?: AbortSignal;
  /** Longest wait between tries (default 1 hour, never shorter than the action's max_retries_interval). */
  retryCapMs?: number;
  onSpawn?: (pid: number, action: number) => void;
  /** What starts an agent (the daemon's pool of worker threads); default runAgent in this thread. */
  runner?: (opts: AgentRunOptions) => Promise<AgentRunResult>;
  /** Called before each retry with its wait (the daemon logs it). */
  onRetry?: (action: number, attempt: number, waitMs: number) => void;
}

export async function runJob(job: JobDocument, opts: JobRunOptions): Promise<JobRunResult> {
  const startedMs = Date.now();
  const outcomes: ActionOutcome[] = [];
  let result: RunResult = 'success';
  let error: string | null = null;
  for (const [index, action] of job.actions.entries()) {
    if (opts.signal?.aborted) break;
    if (result !== 'success' && !action.mandatory) {
      outcomes.push({ index, result: 'skipped', tries: [] });
      continue;
    }
    const tries: AgentRunResult[] = [];
    let outcome: RunResult = 'fail';
    for (let attempt = 0; attempt <= action.maxRetries; attempt++) {
      if (attempt > 0) {
        const wait = retryWait(action.maxRetriesInterval * 1000, attempt, opts.retryCapMs);
        opts.onRetry?.(index, attempt, wait);
        if (!(await sleep(wait, opts.signal))) break;
      }
      const run = await (opts.runner ?? runAgent)({
        agentPath: opts.agentPath,
        action: action.freezerAction,
        env: opts.env,
        tmpDir: opts.tmpDir,
        privateDir: opts.privateDir,
        signal: opts.signal,
        onSpawn: (pid) => opts.onSpawn?.(pid, index),
      });
      tries.push(run);
      if (run.aborted) {
        outcome = 'aborted';
        break;
      }
      if (run.exitCode === 0) {
        outcome = 'success';
        break;
      }
      error = failureText(index, run);
    }
    if (opts.signal?.aborted) outcome = 'aborted';
    outcomes.push({ index, result: outcome, tries });
    if (outcome !== 'success') result = outcome;
    if (outcome === 'aborted') break;
  }
  if (opts.signal?.aborted) result = 'aborted';
  return { result, actions: outcomes, startedMs, endedMs: Date.now(), error: result === 'success' ? null : error };
}

/** The wait before try `attempt` (1 = the first retry): base × 2^(attempt-1), at most the cap. */
export function retryWait(baseMs: number, attempt: number, capMs = 3_600_000): number {
  return Math.min(baseMs * 2 ** (attempt - 1), Math.max(capMs, baseMs));
}

/** Resolves true after `ms`, or false at once when `signal` aborts. */
async function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  try {
    await delay(ms, undefined, { signal });
    return true;
  } catch (err) {
    if (signal?.aborted) return false;
    throw err;
  }
}

function failureText(index: number, run: AgentRunResult): string {
  const how = run.exitCode !== null ? `exit ${run.exitCode}` : `killed by ${run.signal}`;
  const last = run.stderr.trim().split('\n').at(-1);
  return `action ${index}: ${how}${last ? `: ${last}` : ''}`;
}
