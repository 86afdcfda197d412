// The daemon's core (docs/SCHEDULER.md §9): it keeps one slot per job the feed holds, runs each
// job's events through the state machine (job-state.ts), arms a timer for each job's next run
// (plan.ts), starts runs within --concurrent-jobs, applies the overlap policy when a job is
// still running at its next time, and records every run in the state store before it starts
// and when it ends, so a daemon killed at any moment loses no run and repeats none.
import { hooksFor, runHook, type HookContext } from '../hooks.js';
import { parseJobDocument, type JobDocument } from '../job-document.js';
import { NEW_JOB, initialEvent, onEvent, onRunEnd, onRunStart, type Effect, type JobEvent, type JobState } from '../job-state.js';
import { pingHealthcheck } from '../monitor/healthchecks.js';
import { clockJump, planNextRun, type PlannedRun } from '../plan.js';
import { procArgv, procStat, signalGroup } from '../processes.js';
import { outcomeOf, type RunOutcome } from '../records.js';
import { runJob, type JobRunOptions, type JobRunResult } from '../run-job.js';
import type { StateStore } from '../store/state-store.js';
import type { JobFeed } from './feed.js';
import type { SchedulerLog } from './log.js';

export interface DaemonOptions {
  /** This node's name: the stable part of each job's jitter. */
  host: string;
  agentPath: string;
  concurrentJobs: number;
  disableExec: boolean;
  /** How often the feed is read (the jobs directory is also watched). */
  pollMs: number;
  env?: NodeJS.ProcessEnv;
  tmpDir?: string;
  /** Starts the agents off the main thread (agent-pool.ts); default: in it. */
  runner?: JobRunOptions['runner'];
  /** A 0700 directory for the runs' INI and metadata files. */
  privateDir?: string;
  random?: () => number;
  /** Called after each run is recorded (metrics textfile). */
  onRunRecorded?: () => void;
}

interface Slot {
  jobId: string;
  doc: JobDocument | null;
  text: string;
  state: JobState;
  plan: PlannedRun | null;
  timer?: NodeJS.Timeout;
  run?: { controller: AbortController; runId: number; done: Promise<void> };
  /** A run due while the job ran (overlap queue or cancel-old): it starts when the run ends. */
  queued: PlannedRun | null;
  /** Waiting for a free --concurrent-jobs place. */
  waiting: boolean;
  /** A due time passed over (overlap skip): planning counts from it. */
  skippedDueMs: number | null;
  /** Started again by an explicit start event: a finished one-shot job runs once more. */
  restart: boolean;
}

/** The longest a timer is armed for; a later time is re-checked on waking (setTimeout's limit is ~24.8 days). */
const MAX_TIMER_MS = 3_600_000;

export class Daemon {
  private readonly slots = new Map<string, Slot>();
  private readonly waiting: { slot: Slot; plan: PlannedRun }[] = [];
  private readonly batch: (() => void)[] = [];
  private running = 0;
  private draining = false;
  private syncing: Promise<void> = Promise.resolve();
  private heartbeat?: NodeJS.Timeout;
  private lastPollMs = 0;
  private clock = { wallMs: Date.now(), monoMs: performance.now() };

  constructor(
    private readonly store: StateStore,
    private readonly feed: JobFeed,
    private readonly log: SchedulerLog,
    private readonly opts: DaemonOptions,
  ) {}

  /** Closes what a killed daemon left open, reads the feed and starts the heartbeat. */
  async start(): Promise<void> {
    for (const run of this.store.closeInterruptedRuns(Date.now(), 'the scheduler stopped during the run (killed or crashed)')) {
      // Its agent may still run (its own process group outlives a daemon killed with SIGKILL):
      // it is stopped, so that the catch-up run does not race it for the same backup chain.
      const stopped = run.pid !== null && stopOrphanAgent(run.pid, this.opts.agentPath);
      this.log.job(
        run.jobId,
        'run-interrupted',
        { run_id: run.runId, due: iso(run.dueMs), agent_stopped: stopped || undefined },
        'warning',
      );
    }
    await this.sync();
    this.heartbeat = setInterval(() => this.beat(), 1000);
  }

  get runningJobs(): number {
    return this.running;
  }

  /** Reads the feed now (the jobs directory changed, SIGHUP, a verb's wake-up signal). */
  sync(): Promise<void> {
    this.syncing = this.syncing
      .then(() => this.syncOnce())
      .catch((err: Error) => this.log.log('error', `reading the jobs failed: ${err.message}`));
    return this.syncing;
  }

  /** Stops starting runs; waits up to `graceMs` for running ones, then aborts them and waits for them to end. */
  async drain(graceMs: number): Promise<void> {
    this.draining = true;
    clearInterval(this.heartbeat);
    for (const slot of this.slots.values()) clearTimeout(slot.timer);
    this.waiting.length = 0;
    await this.syncing;
    const runs = () => [...this.slots.values()].flatMap((s) => (s.run ? [s.run] : []));
    if (runs().length === 0) return;
    this.log.log('info', `waiting up to ${Math.round(graceMs / 1000)} s for ${runs().length} running job(s)`);
    const all = Promise.all(runs().map((r) => r.done));
    let timer: NodeJS.Timeout | undefined;
    const late = await Promise.race([all.then(() => false), new Promise<boolean>((r) => (timer = setTimeout(() => r(true), graceMs)))]);
    clearTimeout(timer);
    if (!late) return;
    for (const run of runs()) run.controller.abort();
    await all;
  }

  private async syncOnce(): Promise<void> {
    if (this.draining) return;
    this.lastPollMs = performance.now();
    const { jobs, complete } = await this.feed.refresh();
    const present = new Set<string>();
    for (const { jobId, event } of jobs) {
      present.add(jobId);
      this.load(jobId, event);
    }
    if (complete) for (const slot of [...this.slots.values()]) if (!present.has(slot.jobId)) this.handle(slot, 'remove');
    this.takeRequestedEvents();
  }

  private takeRequestedEvents(): void {
    for (const { jobId, event } of this.store.takeRequestedEvents()) {
      const slot = this.slots.get(jobId);
      if (slot) this.handle(slot, event, true);
    }
  }

  /** A job of the feed: new, changed or as it was. */
  private load(jobId: string, event: JobEvent): void {
    const record = this.store.getJob(jobId);
    if (!record) return;
    let slot = this.slots.get(jobId);
    if (slot && slot.text === record.document) {
      if (event) this.handle(slot, event, true);
      return;
    }
    const doc = this.parse(jobId, record.document);
    if (!slot) {
      slot = {
        jobId,
        doc,
        text: record.document,
        state: NEW_JOB,
        plan: null,
        queued: null,
        waiting: false,
        skippedDueMs: null,
        restart: false,
      };
      this.slots.set(jobId, slot);
      if (!doc) return;
      this.log.job(jobId, 'added', { description: doc.description || undefined });
      // The status the store kept (a job stopped by job-stop stays stopped across restarts).
      const status = (record.status || doc.schedule.status) as JobDocument['schedule']['status'];
      this.handle(slot, event || initialEvent({ status, event: doc.schedule.event }));
      return;
    }
    // Changed: the new document applies from the next run; a running run finishes as it began.
    const wasValid = slot.doc !== null;
    slot.text = record.document;
    slot.doc = doc;
    this.log.job(jobId, 'changed');
    if (!doc) {
      if (slot.state.state === 'scheduled') this.apply(slot, { state: 'stop', status: '', pending: '' }, ['unschedule']);
      return;
    }
    // A new definition of a job that was refused or had completed starts afresh (a one-shot job
    // runs again); one stopped by job-stop stays stopped.
    if (slot.state.state === 'stop' && (!wasValid || slot.state.status !== 'stop')) {
      slot.restart = true;
      this.handle(slot, event || initialEvent(doc.schedule));
    } else if (slot.state.state === 'scheduled') {
      this.unarm(slot);
      this.arm(slot);
    }
    if (event) this.handle(slot, event, true);
  }

  private parse(jobId: string, text: string): JobDocument | null {
    try {
      const doc = parseJobDocument(JSON.parse(text), jobId);
      this.store.setInvalid(jobId, null);
      return doc;
    } catch (err) {
      const reason = (err as Error).message;
      if (this.store.getJob(jobId)?.invalid !== reason) this.log.job(jobId, 'refused', { reason }, 'error');
      this.store.setInvalid(jobId, reason);
      return null;
    }
  }

  /** An event for a job: the state machine's transition, then its effects. */
  private handle(slot: Slot, event: JobEvent, explicit = false): void {
    if (!event) return;
    if (!slot.doc) {
      if (event === 'remove') this.apply(slot, { state: 'stop', status: 'removed', pending: '' }, ['forget']);
      return;
    }
    if (explicit && event === 'start' && slot.state.state === 'stop') slot.restart = true;
    const t = onEvent(slot.state, event);
    this.log.job(slot.jobId, `event ${event}`, { state: slot.state.state }, 'debug');
    this.apply(slot, t.next, t.effects);
  }

  private apply(slot: Slot, next: JobState, effects: Effect[]): void {
    slot.state = next;
    for (const effect of effects) {
      switch (effect) {
        case 'schedule':
          if (!this.arm(slot)) {
            // Nothing left to fire (a one-shot job that ran, an end date passed): completed.
            slot.state = { state: 'stop', status: 'completed', pending: '' };
          }
          break;
        case 'unschedule':
          this.unarm(slot);
          break;
        case 'abort-run':
          slot.queued = null;
          slot.run?.controller.abort();
          break;
        case 'forget':
          this.unarm(slot);
          this.slots.delete(slot.jobId);
          this.store.deleteJob(slot.jobId, true); // its runs stay: run-list shows them
          this.log.job(slot.jobId, 'removed');
          return;
        case 'report':
          break;
      }
    }
    this.report(slot);
  }

  private report(slot: Slot): void {
    const status = slot.state.status;
    const record = this.store.getJob(slot.jobId);
    if (!record) return;
    if (record.status !== status || record.event !== '') {
      this.store.updateJob(slot.jobId, { status, event: '' });
      const next = slot.plan ? iso(slot.plan.startMs) : undefined;
      this.log.job(slot.jobId, status || 'idle', { next_run: status === 'scheduled' ? next : undefined });
    }
    this.feed.report(slot.jobId, { status, event: '', result: record.result });
  }

  /** Plans the job's next run and arms its timer; false when its trigger has nothing left. */
  private arm(slot: Slot): boolean {
    const plan = this.planFor(slot);
    slot.plan = plan;
    this.store.updateJob(slot.jobId, { nextRunMs: plan?.startMs ?? null });
    if (!plan) return false;
    this.armTimer(slot);
    return true;
  }

  private armTimer(slot: Slot): void {
    clearTimeout(slot.timer);
    if (!slot.plan || this.draining) return;
    const wait = Math.min(Math.max(0, slot.plan.startMs - Date.now()), MAX_TIMER_MS);
    slot.timer = setTimeout(() => {
      if (slot.plan && slot.plan.startMs > Date.now() + 5)
        this.armTimer(slot); // woke early: a long wait, or the clock moved back
      else this.fire(slot);
    }, wait);
  }

  private unarm(slot: Slot): void {
    clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.plan = null;
    if (this.store.getJob(slot.jobId)) this.store.updateJob(slot.jobId, { nextRunMs: null });
  }

  private planFor(slot: Slot): PlannedRun | null {
    const record = this.store.getJob(slot.jobId);
    if (!record || !slot.doc) return null;
    const now = Date.now();
    if (slot.restart) {
      // job-start of a job that ended: it runs again as if new (Freezer's start event resets it).
      slot.restart = false;
      slot.skippedDueMs = null;
      this.store.updateJob(slot.jobId, { anchorMs: now });
      return planNextRun({ ...this.planInput(slot, now, null), lastDueMs: null }, now, this.opts.random);
    }
    return planNextRun(this.planInput(slot, record.anchorMs, record.lastDueMs), now, this.opts.random);
  }

  private planInput(slot: Slot, anchorMs: number, lastDue: number | null) {
    const doc = slot.doc!;
    const skipped = slot.skippedDueMs;
    return {
      jobId: slot.jobId,
      host: this.opts.host,
      trigger: doc.schedule.trigger,
      catchup: doc.schedule.catchup,
      jitterSeconds: doc.schedule.jitterSeconds,
      anchorMs,
      lastDueMs: skipped !== null && (lastDue === null || skipped > lastDue) ? skipped : lastDue,
    };
  }

  /** The job's time has come. */
  private fire(slot: Slot): void {
    const plan = slot.plan;
    slot.timer = undefined;
    if (!plan || this.draining || !slot.doc) return;
    slot.plan = null;
    if (slot.run) {
      const policy = slot.doc.schedule.overlap;
      this.log.job(slot.jobId, `overlap ${policy}`, { due: iso(plan.dueMs) }, 'warning');
      if (policy === 'skip') {
        slot.skippedDueMs = plan.dueMs;
        this.arm(slot);
      } else {
        slot.queued = plan; // only the latest: a queue never grows into a burst
        if (policy === 'cancel-old') slot.run.controller.abort();
      }
      return;
    }
    if (slot.waiting) return;
    if (this.running >= this.opts.concurrentJobs) {
      slot.waiting = true;
      this.waiting.push({ slot, plan });
      this.log.job(slot.jobId, 'waiting', { running: this.running, concurrent_jobs: this.opts.concurrentJobs }, 'debug');
      return;
    }
    this.startRun(slot, plan);
  }

  /**
   * Starts a run at the next turn of the event loop, with every other run starting then: their
   * records are written in one transaction (a burst of 200 runs due in the same second cost
   * 200 commits), and each agent is started only after that commit.
   */
  private startRun(slot: Slot, plan: PlannedRun): void {
    this.running++;
    slot.waiting = true;
    void this.batched(() => {
      slot.waiting = false;
      if (this.draining || this.slots.get(slot.jobId) !== slot || !slot.doc) {
        this.running--;
        return;
      }
      this.launch(slot, plan);
    });
  }

  private launch(slot: Slot, plan: PlannedRun): void {
    const doc = slot.doc!;
    const startedMs = Date.now();
    const runId = this.store.beginRun(slot.jobId, plan.dueMs, startedMs, plan.catchUp);
    slot.skippedDueMs = null;
    slot.state = onRunStart(slot.state);
    this.log.job(slot.jobId, 'running', { run_id: runId, due: iso(plan.dueMs), catch_up: plan.catchUp || undefined });
    // The next time is armed now: if it comes while this run goes on, the overlap policy decides.
    this.arm(slot);
    this.feed.report(slot.jobId, { status: 'running', event: '', result: '', timeStarted: Math.floor(startedMs / 1000), timeEnded: -1 });
    const controller = new AbortController();
    const done = this.execute(slot, doc, runId, controller.signal, plan).finally(() =>
      this.batched(() => {
        this.running--;
        slot.run = undefined;
        this.afterRun(slot);
        this.pump();
      }),
    );
    slot.run = { controller, runId, done };
  }

  /** Runs `fn` at the next turn of the event loop, in one store transaction with the others queued for it. */
  private batched(fn: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      this.batch.push(() => {
        try {
          fn();
          resolve();
        } catch (err) {
          reject(err);
        }
      });
      if (this.batch.length === 1) setImmediate(() => this.flushBatch());
    });
  }

  private flushBatch(): void {
    const work = this.batch.splice(0);
    try {
      this.store.batch(() => work.forEach((w) => w()));
    } catch (err) {
      this.log.log('error', `recording runs failed: ${(err as Error).message}`);
    }
  }

  private async execute(slot: Slot, doc: JobDocument, runId: number, signal: AbortSignal, plan: PlannedRun): Promise<void> {
    const ping = (kind: 'start' | 'success' | 'fail', body: string) => {
      if (!doc.schedule.healthcheckUrl) return;
      void pingHealthcheck(doc.schedule.healthcheckUrl, kind, body).then((warning) => {
        if (warning) this.log.job(slot.jobId, 'healthcheck', { warning }, 'warning');
      });
    };
    ping('start', `run ${runId} of job ${slot.jobId} started`);
    let run: JobRunResult;
    try {
      await this.feed.runStarting(slot.jobId);
      run = await this.runActions(slot, doc, runId, signal);
    } catch (err) {
      const now = Date.now();
      run = { result: 'fail', actions: [], startedMs: now, endedMs: now, error: `the run could not start: ${(err as Error).message}` };
    }
    const outcome = outcomeOf(run);
    await this.batched(() => this.store.endRun(runId, outcome)); // the job's result and counters with it
    this.log.job(
      slot.jobId,
      `run ${outcome.result}`,
      { run_id: runId, seconds: (run.endedMs - run.startedMs) / 1000, exit_code: outcome.exitCode, error: outcome.error },
      outcome.result === 'success' ? 'info' : 'warning',
    );
    this.feed.runEnded(slot.jobId, run, outcome);
    this.opts.onRunRecorded?.();
    await this.runHooks(slot, doc, runId, outcome, run, plan);
    ping(outcome.result === 'success' ? 'success' : 'fail', summary(slot.jobId, runId, outcome));
  }

  private async runActions(slot: Slot, doc: JobDocument, runId: number, signal: AbortSignal): Promise<JobRunResult> {
    if (this.opts.disableExec && doc.actions.some((a) => a.freezerAction.action === 'exec')) {
      const now = Date.now();
      return {
        result: 'fail',
        actions: [],
        startedMs: now,
        endedMs: now,
        error: 'the job has an exec action and exec is disabled (--disable-exec)',
      };
    }
    return runJob(doc, {
      agentPath: this.opts.agentPath,
      env: this.opts.env,
      tmpDir: this.opts.tmpDir,
      privateDir: this.opts.privateDir,
      runner: this.opts.runner,
      signal,
      onSpawn: (pid) => {
        this.store.setRunPid(runId, pid);
        this.feed.report(slot.jobId, { status: 'running', event: '', result: '', currentPid: pid });
      },
      onRetry: (action, attempt, waitMs) =>
        this.log.job(slot.jobId, 'retry', { run_id: runId, action, attempt, wait_seconds: waitMs / 1000 }, 'warning'),
    });
  }

  private async runHooks(slot: Slot, doc: JobDocument, runId: number, o: RunOutcome, run: JobRunResult, plan: PlannedRun): Promise<void> {
    for (const { hook, command } of hooksFor(o.result, doc.schedule.hooks)) {
      const ctx: HookContext = {
        hook,
        jobId: slot.jobId,
        description: doc.description,
        runId,
        result: o.result,
        exitCode: o.exitCode,
        level: o.level,
        bytes: o.bytes,
        durationMs: run.endedMs - run.startedMs,
        backupName: o.backupName,
        error: o.error,
        startedMs: run.startedMs,
        endedMs: run.endedMs,
        catchUp: plan.catchUp,
      };
      const r = await runHook(command, ctx, { env: this.opts.env });
      const how = r.timedOut ? 'timed out' : r.exitCode !== null ? `exit ${r.exitCode}` : `killed by ${r.signal}`;
      this.log.job(
        slot.jobId,
        `hook ${hook}`,
        { run_id: runId, how, stderr: r.exitCode === 0 ? undefined : r.stderr.trim().split('\n').at(-1) },
        r.exitCode === 0 ? 'info' : 'warning',
      );
    }
  }

  /** After a run: a queued run starts, a recurring job waits for its armed time, a finished or stopped one completes. */
  private afterRun(slot: Slot): void {
    if (this.draining || !this.slots.has(slot.jobId)) return;
    const queued = slot.queued;
    slot.queued = null;
    if (!queued && !slot.plan && slot.state.pending === '') this.arm(slot);
    const t = onRunEnd(slot.state, queued !== null || slot.plan !== null);
    this.apply(slot, t.next, t.effects);
    if (slot.state.state !== 'scheduled' || !queued) return;
    clearTimeout(slot.timer);
    slot.plan = queued;
    this.fire(slot);
  }

  private pump(): void {
    while (!this.draining && this.running < this.opts.concurrentJobs && this.waiting.length > 0) {
      const { slot, plan } = this.waiting.shift()!;
      slot.waiting = false;
      if (this.slots.get(slot.jobId) === slot && slot.doc && slot.state.state === 'scheduled' && !slot.run) this.startRun(slot, plan);
    }
  }

  /** Once a second: events asked for by the job verbs, clock jumps, the poll interval. */
  private beat(): void {
    if (this.draining) return;
    const now = { wallMs: Date.now(), monoMs: performance.now() };
    const jump = clockJump(this.clock, now);
    this.clock = now;
    if (jump !== 0) {
      this.log.log('warning', `the clock jumped ${Math.round(jump / 1000)} s (suspend, NTP step): planning every job again`);
      for (const slot of this.slots.values()) if (slot.state.state === 'scheduled' && slot.timer) this.arm(slot);
    }
    if (now.monoMs - this.lastPollMs >= this.opts.pollMs) void this.sync();
    else
      try {
        this.takeRequestedEvents();
      } catch (err) {
        this.log.log('error', `reading requested events failed: ${(err as Error).message}`);
      }
  }
}

/**
 * Stops the process group of an agent a killed daemon left running. Only when `pid` still leads
 * its own process group and runs the agent: a pid reused since by another program is left alone.
 */
function stopOrphanAgent(pid: number, agentPath: string): boolean {
  if (procStat(pid)?.pgrp !== pid || !procArgv(pid)?.includes(agentPath)) return false;
  signalGroup(pid, 'SIGTERM');
  setTimeout(() => signalGroup(pid, 'SIGKILL'), 1500).unref();
  return true;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function summary(jobId: string, runId: number, o: RunOutcome): string {
  const parts = [`job ${jobId} run ${runId}: ${o.result}`];
  if (o.exitCode !== null) parts.push(`exit code ${o.exitCode}`);
  if (o.backupName) parts.push(`backup ${o.backupName} level ${o.level ?? '?'}`);
  if (o.bytes !== null) parts.push(`${o.bytes} bytes`);
  if (o.error) parts.push(o.error);
  return parts.join('\n');
}
