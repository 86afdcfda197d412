// Runs the real bin/permafrost-scheduler as an operator would: a daemon in the foreground
// (--no-daemon) on a jobs directory and a state directory of the test's own, and its verbs.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO } from './agent.js';
import type { JobRecord, RunRecord } from '../../src/scheduler/records.js';

export const SCHEDULER = path.join(REPO, 'bin', 'permafrost-scheduler');

/** A row of `job-list --json`: the store's record without its document, with the overdue flag. */
export type JobRow = Omit<JobRecord, 'document'> & { overdue: boolean };

/** A row of `run-list --json`: the store's record of a run. */
export type RunRow = RunRecord;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class SchedulerHarness {
  readonly root: string;
  readonly jobsDir: string;
  readonly stateDir: string;
  readonly logFile: string;
  daemon?: ChildProcess;
  private exited?: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(prefix = 'pf-sched-') {
    this.root = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    this.jobsDir = path.join(this.root, 'jobs');
    this.stateDir = path.join(this.root, 'state');
    this.logFile = path.join(this.root, 'scheduler.log');
    fs.mkdirSync(this.jobsDir);
  }

  /** The options every call shares: standalone, this test's directories. */
  base(): string[] {
    return ['-n', '-f', this.jobsDir, '--state-dir', this.stateDir];
  }

  writeJob(name: string, doc: unknown): string {
    const file = path.join(this.jobsDir, name);
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(doc));
    fs.renameSync(`${file}.tmp`, file);
    return file;
  }

  /** Starts the daemon in the foreground; resolves once it has claimed its pid file. */
  async start(extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<ChildProcess> {
    // --grace-period 0 unless a test asks for one: a stop aborts the runs at once, so that no agent outlives the test.
    const args = [...this.base(), '--no-daemon', '--log-file', this.logFile, '--grace-period', '0', ...extra, 'start'];
    const child = spawn(process.execPath, [SCHEDULER, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout.resume();
    this.daemon = child;
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    const pidFile = path.join(this.stateDir, 'scheduler.pid');
    const until = Date.now() + 20_000;
    while (Date.now() < until) {
      if (child.exitCode !== null) throw new Error(`the scheduler exited ${child.exitCode}: ${err}\n${this.log()}`);
      if (fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').trim() === String(child.pid)) return child;
      await sleep(25);
    }
    throw new Error(`the scheduler did not start: ${err}`);
  }

  /** SIGTERM (or `signal`) to the daemon; its exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (!this.daemon || this.daemon.exitCode !== null || this.daemon.signalCode !== null)
      return { code: this.daemon?.exitCode ?? null, signal: null };
    this.daemon.kill(signal);
    return this.exited!;
  }

  cli(args: string[], env: NodeJS.ProcessEnv = {}): { status: number; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [SCHEDULER, ...this.base(), ...args], {
      encoding: 'utf8',
      env: { ...process.env, ...env },
      timeout: 60_000,
    });
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  jobs(): JobRow[] {
    const r = this.cli(['job-list', '--json']);
    if (r.status !== 0) throw new Error(`job-list exited ${r.status}: ${r.stderr}`);
    return JSON.parse(r.stdout) as JobRow[];
  }

  job(id: string): JobRow {
    const j = this.jobs().find((x) => x.jobId === id);
    if (!j) throw new Error(`no job ${id} in ${JSON.stringify(this.jobs().map((x) => x.jobId))}\n${this.log()}`);
    return j;
  }

  runs(id: string, limit = 100): RunRow[] {
    const r = this.cli(['run-list', '-j', id, '--json', '--limit', String(limit)]);
    if (r.status !== 0) throw new Error(`run-list exited ${r.status}: ${r.stderr}`);
    return JSON.parse(r.stdout) as RunRow[];
  }

  log(): string {
    try {
      return fs.readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  /** Polls `check` until it returns a value (not undefined/false) or the time is up. */
  async waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const v = check();
      if (v !== undefined && v !== false) return v;
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}\n--- log ---\n${this.log()}`);
      await sleep(50);
    }
  }

  /**
   * A drained stop (the running agents aborted), SIGKILL only if that hangs: a daemon killed
   * outright leaves its agents writing into the directories being removed.
   */
  async cleanup(): Promise<void> {
    const killer = setTimeout(() => this.daemon?.kill('SIGKILL'), 10_000);
    await this.stop('SIGTERM');
    clearTimeout(killer);
    fs.rmSync(this.root, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
}
