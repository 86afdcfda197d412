// A job's hooks (docs/SCHEDULER.md): the operator's commands run after a run, on_success or
// on_failure, then finally. What happened is told twice: as PERMAFROST_* environment variables
// for a shell one-liner, and as one JSON object on stdin for a program. A hook runs in a
// process group of its own, so a timeout or an abort stops it and whatever it started; its
// failure is reported, never thrown: a hook cannot fail the backup that already ended.
import { spawn } from 'node:child_process';
import type { HookCommand, JobSchedule } from './job-document.js';
import { signalGroup, streamTail } from './processes.js';
import type { RunResult } from './run-job.js';

export type HookName = 'on_success' | 'on_failure' | 'finally';

export interface HookContext {
  hook: HookName;
  jobId: string;
  description: string;
  runId: number;
  result: RunResult;
  exitCode: number | null;
  level: number | null;
  bytes: number | null;
  durationMs: number | null;
  backupName: string | null;
  error: string | null;
  startedMs: number;
  endedMs: number;
  catchUp: boolean;
}

export interface HookOptions {
  /** Default 10 minutes; then SIGTERM to its process group, SIGKILL 2 s later. */
  timeoutMs?: number;
  /** Stops the hook as a timeout does (the daemon shutting down). */
  signal?: AbortSignal;
  cwd?: string;
  /** The environment the PERMAFROST_* variables are added to (default: the daemon's). */
  env?: NodeJS.ProcessEnv;
}

export interface HookResult {
  /** null when a signal ended it, or it never started. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The last 8 KiB it wrote to stderr. */
  stderr: string;
  timedOut: boolean;
  aborted: boolean;
  /** Why it did not start (no such program), or null. */
  error: string | null;
}

export const HOOK_TIMEOUT_MS = 10 * 60_000;
const KILL_AFTER_MS = 2000;
const STDERR_KEEP = 8 << 10;
/** An environment variable holds a summary; the whole error is in the JSON on stdin. */
const ENV_ERROR_MAX = 4096;

/** The hooks to run after a run that ended with `result`, in order (those not set left out). */
export function hooksFor(result: RunResult, hooks: JobSchedule['hooks']): Array<{ hook: HookName; command: HookCommand }> {
  const first: HookName = result === 'success' ? 'on_success' : 'on_failure';
  const list = [
    { hook: first, command: result === 'success' ? hooks.onSuccess : hooks.onFailure },
    { hook: 'finally' as const, command: hooks.finally },
  ];
  return list.filter((h): h is { hook: HookName; command: HookCommand } => h.command !== null);
}

/** The PERMAFROST_* variables for `ctx` (an absent value is the empty string). */
export function hookEnv(ctx: HookContext): Record<string, string> {
  const text = (v: string | number | null) => (v === null ? '' : String(v));
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    PERMAFROST_HOOK: ctx.hook,
    PERMAFROST_JOB_ID: ctx.jobId,
    PERMAFROST_DESCRIPTION: noNul(ctx.description),
    PERMAFROST_RUN_ID: String(ctx.runId),
    PERMAFROST_RESULT: ctx.result,
    PERMAFROST_EXIT_CODE: text(ctx.exitCode),
    PERMAFROST_LEVEL: text(ctx.level),
    PERMAFROST_BYTES: text(ctx.bytes),
    PERMAFROST_DURATION_SECONDS: ctx.durationMs === null ? '' : String(ctx.durationMs / 1000),
    PERMAFROST_BACKUP_NAME: noNul(text(ctx.backupName)),
    PERMAFROST_ERROR: noNul(text(ctx.error)).slice(0, ENV_ERROR_MAX),
    PERMAFROST_STARTED_AT: iso(ctx.startedMs),
    PERMAFROST_ENDED_AT: iso(ctx.endedMs),
    PERMAFROST_CATCH_UP: ctx.catchUp ? '1' : '0',
  };
}

/** The JSON object on the hook's stdin: the context with snake_case keys, as in a job document. */
export function hookJson(ctx: HookContext): string {
  return JSON.stringify({
    hook: ctx.hook,
    job_id: ctx.jobId,
    description: ctx.description,
    run_id: ctx.runId,
    result: ctx.result,
    exit_code: ctx.exitCode,
    level: ctx.level,
    bytes: ctx.bytes,
    duration_ms: ctx.durationMs,
    backup_name: ctx.backupName,
    error: ctx.error,
    started_ms: ctx.startedMs,
    ended_ms: ctx.endedMs,
    catch_up: ctx.catchUp,
  });
}

/** Runs one hook to its end (or its timeout or abort). Never rejects. */
export function runHook(command: HookCommand, ctx: HookContext, opts: HookOptions = {}): Promise<HookResult> {
  const [file, args] = typeof command === 'string' ? ['/bin/sh', ['-c', command]] : [command[0], command.slice(1)];
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      detached: true, // its own process group: a timeout reaches what it started too
      stdio: ['pipe', 'ignore', 'pipe'],
      cwd: opts.cwd,
      env: { ...(opts.env ?? process.env), ...hookEnv(ctx) },
    });
    const stderr = streamTail(child.stderr, STDERR_KEEP);
    let timedOut = false;
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      if (child.pid === undefined || killTimer) return;
      signalGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(child.pid!, 'SIGKILL'), KILL_AFTER_MS);
    };
    const onAbort = () => {
      aborted = true;
      stop();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      stop();
    }, opts.timeoutMs ?? HOOK_TIMEOUT_MS);
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
    let finished = false;
    const finish = (r: Pick<HookResult, 'exitCode' | 'signal' | 'error'>) => {
      if (finished) return; // 'error' and 'exit' may both come, the stderr grace and its close too
      finished = true;
      clearTimeout(timer);
      clearTimeout(killTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      // What it left running in its group after a timeout or abort goes too.
      if ((timedOut || aborted) && child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
      resolve({ ...r, stderr: stderr(), timedOut, aborted });
    };
    // A hook that never reads stdin closes the pipe under our write: EPIPE is its choice, not our crash.
    child.stdin.on('error', () => undefined);
    child.stdin.end(`${hookJson(ctx)}\n`);
    child.once('error', (err) =>
      finish({ exitCode: null, signal: null, error: `hook ${describe(command)} did not start: ${err.message}` }),
    );
    child.once('exit', (exitCode, signal) => {
      // Something it started in the background may hold stderr open for hours: take what came
      // within a moment of its exit and stop listening.
      const done = () => {
        clearTimeout(grace);
        child.stderr.destroy();
        finish({ exitCode, signal, error: null });
      };
      const grace = setTimeout(done, 200);
      if (child.stderr.readableEnded || child.stderr.destroyed) done();
      else child.stderr.once('close', done);
    });
  });
}

function describe(command: HookCommand): string {
  return typeof command === 'string' ? `"${command}"` : JSON.stringify(command);
}

function noNul(s: string): string {
  return s.replace(/\0/g, '');
}
