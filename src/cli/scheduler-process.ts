// The daemon verbs (start, stop, restart, status, reload) and the daemon's own life: its pid
// file, its signals (SIGHUP reloads, SIGTERM and SIGINT drain, SIGUSR2 reads the jobs now)
// and, without --no-daemon, a detached child that the starting process waits for.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { VERSION } from '../base/version.js';
import { AgentPool } from '../scheduler/agent-pool.js';
import { Daemon } from '../scheduler/daemon/daemon.js';
import { SchedulerError } from '../scheduler/daemon/errors.js';
import { LocalFeed, type JobFeed } from '../scheduler/daemon/feed.js';
import { watchJobsDir } from '../scheduler/daemon/jobs-dir.js';
import { createSchedulerLog, type SchedulerLog } from '../scheduler/daemon/log.js';
import { claimPidFile, readPidFile, releasePidFile } from '../scheduler/daemon/pidfile.js';
import { StateStore } from '../scheduler/store/state-store.js';
import { startMonitoring, type Monitoring } from './scheduler-monitoring.js';
import { makeStateDir, type SchedulerSettings } from './scheduler-settings.js';
import { writeOut } from './out.js';

/** How long `start` waits for the detached daemon to claim its pid file. */
const START_WAIT_MS = 15_000;

export async function startVerb(s: SchedulerSettings, argv: readonly string[]): Promise<number> {
  makeStateDir(s.stateDir);
  const held = readPidFile(s.pidFile);
  if (held.pid !== null) {
    writeOut(`permafrost-scheduler is already running, pid: ${held.pid}\n`);
    return 0;
  }
  if (s.noDaemon) return runDaemon(s);
  return detach(s, argv);
}

export async function stopVerb(s: SchedulerSettings): Promise<number> {
  const held = readPidFile(s.pidFile);
  if (held.pid === null) {
    writeOut(held.stale ? `Not Running (removed the stale pid file ${s.pidFile})\n` : 'Not Running\n');
    if (held.stale) fs.rmSync(s.pidFile, { force: true });
    return 0;
  }
  process.kill(held.pid, 'SIGTERM');
  // The daemon drains: its jobs get the grace period, then up to 2 s to stop.
  const until = Date.now() + s.graceMs + 10_000;
  while (Date.now() < until && readPidFile(s.pidFile).pid === held.pid) await delay(100);
  if (readPidFile(s.pidFile).pid === held.pid) throw new SchedulerError('INTERNAL', `the scheduler (pid ${held.pid}) did not stop`);
  writeOut(`Stopped pid ${held.pid}\n`);
  return 0;
}

export function statusVerb(s: SchedulerSettings): number {
  const held = readPidFile(s.pidFile);
  if (held.pid !== null) writeOut(`Running with pid: ${held.pid}\n`);
  else writeOut(held.stale ? `Not Running (stale pid file ${s.pidFile})\n` : 'Not Running\n');
  return 0;
}

export function reloadVerb(s: SchedulerSettings): number {
  const held = readPidFile(s.pidFile);
  if (held.pid === null) {
    writeOut('Not Running\n');
    return 0;
  }
  process.kill(held.pid, 'SIGHUP');
  writeOut(`Reloading pid ${held.pid}\n`);
  return 0;
}

/** Starts this program again, detached, in the foreground mode; returns once it runs (its pid file) or failed. */
async function detach(s: SchedulerSettings, argv: readonly string[]): Promise<number> {
  const outFile = path.join(s.stateDir, 'scheduler.out');
  const out = fs.openSync(outFile, 'a', 0o600);
  const from = fs.fstatSync(out).size;
  const logArgs = s.logFile ? [] : ['--log-file', path.join(s.stateDir, 'scheduler.log')];
  // The same Node flags as this process (bin/permafrost-scheduler's #! line sets the young generation's size).
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1], ...argv, '--no-daemon', ...logArgs], {
    detached: true,
    stdio: ['ignore', out, out],
    cwd: '/',
  });
  fs.closeSync(out);
  let exited: number | null = null;
  child.once('exit', (code) => (exited = code ?? 1));
  const until = Date.now() + START_WAIT_MS;
  while (Date.now() < until && exited === null) {
    if (readPidFile(s.pidFile).pid === child.pid) {
      child.unref();
      writeOut(`permafrost-scheduler started, pid: ${child.pid}\n`);
      return 0;
    }
    await delay(50);
  }
  const said = fs.readFileSync(outFile, 'utf8').slice(from).trim();
  if (exited !== null) {
    process.stderr.write(`${said}\n`);
    return exited || 1;
  }
  child.unref();
  throw new SchedulerError('INTERNAL', `the scheduler (pid ${child.pid}) did not start within ${START_WAIT_MS / 1000} s; see ${outFile}`);
}

/** The daemon itself, in this process, until SIGTERM or SIGINT. */
export async function runDaemon(s: SchedulerSettings): Promise<number> {
  makeStateDir(s.stateDir);
  process.title = 'permafrost-scheduler';
  const claim = claimPidFile(s.pidFile);
  if (!claim.ok) {
    writeOut(`permafrost-scheduler is already running, pid: ${claim.pid}\n`);
    return 0;
  }
  const log = createSchedulerLog({ file: s.logFile, json: s.useJson, debug: s.debug });
  let store: StateStore | undefined;
  try {
    store = openStore(s);
    const feed = await makeFeed(s, store, log);
    const monitor: { current?: Monitoring } = {};
    const threads = agentThreads(process.env.PERMAFROST_SCHEDULER_AGENT_THREADS);
    const pool = threads > 0 ? new AgentPool(threads) : undefined;
    const daemon = new Daemon(store, feed, log, {
      host: os.hostname(),
      agentPath: s.agentPath,
      concurrentJobs: s.concurrentJobs,
      disableExec: s.disableExec,
      pollMs: s.pollMs,
      privateDir: runDir(s.stateDir),
      runner: pool ? (o) => pool.run(o) : undefined,
      onRunRecorded: () => monitor.current?.runRecorded(),
    });
    const monitoring = await startMonitoring(s, store, log, () => daemon.runningJobs);
    monitor.current = monitoring;
    log.log(
      'info',
      `permafrost-scheduler ${VERSION} started (pid ${process.pid}, ${s.noApi ? `jobs from ${s.jobsDir}` : 'jobs from the Freezer API'}, state in ${s.stateDir})`,
    );
    await daemon.start();
    const unwatch = s.noApi ? watchJobsDir(s.jobsDir, () => void daemon.sync()) : () => {};
    await untilStopped(daemon, log, s);
    unwatch();
    await daemon.drain(s.graceMs);
    await feed.close();
    await monitoring.close();
    await pool?.close();
    log.log('info', 'permafrost-scheduler stopped');
    return 0;
  } finally {
    store?.close();
    log.close();
    releasePidFile(s.pidFile);
  }
}

/**
 * Worker threads that start agents: PERMAFROST_SCHEDULER_AGENT_THREADS (0: the main thread),
 * default 1. One keeps the main thread free (a run is recorded and the daemon answers on time
 * in a burst); more did not start agents sooner on 2 CPUs and cost ~10 MiB each
 * (bench/RESULTS.md, scheduler).
 */
function agentThreads(setting: string | undefined): number {
  if (setting !== undefined && /^\d+$/.test(setting)) return Math.min(Number(setting), 16);
  return 1;
}

/** `<state-dir>/run` (0700): the runs' INI files, which may hold secrets; emptied at start (a killed daemon's leftovers). */
function runDir(stateDir: string): string {
  const dir = path.join(stateDir, 'run');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { mode: 0o700 });
  return dir;
}

export function openStore(s: SchedulerSettings): StateStore {
  try {
    return StateStore.open(s.stateDir);
  } catch (err) {
    throw new SchedulerError('STATE', (err as Error).message, { cause: err });
  }
}

async function makeFeed(s: SchedulerSettings, store: StateStore, log: SchedulerLog): Promise<JobFeed> {
  if (s.noApi) {
    fs.mkdirSync(s.jobsDir, { recursive: true });
    return new LocalFeed(store, s.jobsDir, log);
  }
  const { apiFeed } = await import('./scheduler-api.js');
  return apiFeed(s, store, log);
}

/** Resolves on SIGTERM or SIGINT; SIGHUP reopens the log and reads the jobs, SIGUSR2 reads the jobs. */
function untilStopped(daemon: Daemon, log: SchedulerLog, s: SchedulerSettings): Promise<void> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      log.log('info', `${signal}: stopping (running jobs get ${s.graceMs / 1000} s)`);
      process.off('SIGTERM', onTerm).off('SIGINT', onInt).off('SIGHUP', onHup).off('SIGUSR2', onUsr2);
      // A second signal while draining is not needed: drain ends within the grace period plus 2 s.
      process.on('SIGTERM', () => {}).on('SIGINT', () => {});
      resolve();
    };
    const onTerm = () => stop('SIGTERM');
    const onInt = () => stop('SIGINT');
    const onHup = () => {
      log.reopen();
      log.log('info', 'SIGHUP: reloading the jobs');
      void daemon.sync();
    };
    const onUsr2 = () => void daemon.sync();
    process.on('SIGTERM', onTerm).on('SIGINT', onInt).on('SIGHUP', onHup).on('SIGUSR2', onUsr2);
  });
}

/** Wakes a running daemon so that a verb's event takes effect now, not at its next beat. */
export function wakeDaemon(s: SchedulerSettings): void {
  const held = readPidFile(s.pidFile);
  if (held.pid !== null) process.kill(held.pid, 'SIGUSR2');
}
