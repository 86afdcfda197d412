// One run of permafrost-agent for one job action (docs/SCHEDULER.md §5): the action's options
// go into an INI file only this user can read (no secret on argv, no shell), the metadata into
// a file of its own (stderr output never costs it, unlike freezer-scheduler 13, which drops the
// metadata when the agent writes to stderr), and the agent runs in a process group of its own,
// so an abort stops it and whatever it started. The temp directory goes on every exit path.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { threadId } from 'node:worker_threads';
import { signalGroup, streamTail } from './processes.js';

export interface AgentRunOptions {
  /** The agent's entry script (bin/permafrost-agent), run with this Node. */
  agentPath: string;
  /** The action's options by INI name (a job document's freezer_action). */
  action: Record<string, string | number | boolean>;
  env?: NodeJS.ProcessEnv;
  /** Where the private temp directory goes (default: os.tmpdir()). */
  tmpDir?: string;
  /** A directory only this user can enter, for the run's files (instead of a temp directory per run). */
  privateDir?: string;
  /** Aborts the run: SIGTERM to the agent's process group, SIGKILL after `killAfterMs`. */
  signal?: AbortSignal;
  /** Default 1500 ms: an abort is over within 2 s. */
  killAfterMs?: number;
  /** Called once the agent runs (its pid: current_pid in the job document). */
  onSpawn?: (pid: number) => void;
}

export interface AgentRunResult {
  /** The agent's exit code, or null when a signal ended it. */
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** What the agent wrote to --metadata-out (a backup's metadata), or null. */
  metadata: Record<string, unknown> | null;
  /** Why metadata is null although the agent wrote some (not JSON), or null. */
  metadataError: string | null;
  /** The last 64 KiB of each stream. */
  stdout: string;
  stderr: string;
  aborted: boolean;
  pid: number;
  startedMs: number;
  durationMs: number;
}

const KEEP = 64 << 10;
let sequence = 0;
const commands = new Map<string, string[]>();

/** Runs the agent once; resolves when it and the abort (if any) are over. Never rejects for the agent's own failure. */
export async function runAgent(opts: AgentRunOptions): Promise<AgentRunResult> {
  // A private directory (0700) given by the daemon holds each run's two files; without one,
  // a directory of its own. The daemon's saves a mkdtemp and a rmdir per run (bench/RESULTS.md).
  const own = opts.privateDir === undefined;
  const dir = own ? fs.mkdtempSync(path.join(opts.tmpDir ?? os.tmpdir(), 'permafrost-scheduler-')) : opts.privateDir!;
  const stem = own ? '' : `${process.pid}-${threadId}-${++sequence}-`; // unique across the pool's threads
  const ini = path.join(dir, `${stem}action.ini`);
  const metadataFile = path.join(dir, `${stem}metadata.json`);
  try {
    fs.writeFileSync(ini, iniText(opts.action), { mode: 0o600, flag: 'wx' });
    const started = Date.now();
    const run = await spawnAgent(opts, ['--config', ini, '--metadata-out', metadataFile]);
    const { metadata, metadataError } = readMetadata(metadataFile);
    return { ...run, metadata, metadataError, startedMs: started, durationMs: Date.now() - started };
  } finally {
    if (own) fs.rmSync(dir, { recursive: true, force: true });
    else for (const f of [ini, metadataFile]) fs.rmSync(f, { force: true });
  }
}

/** Freezer's INI job file: one section, `key = value`; booleans as true/false. */
export function iniText(action: Record<string, string | number | boolean>): string {
  const lines = ['[action]'];
  for (const [key, value] of Object.entries(action)) lines.push(`${key} = ${String(value)}`);
  return `${lines.join('\n')}\n`;
}

type Spawned = Pick<AgentRunResult, 'exitCode' | 'signal' | 'stdout' | 'stderr' | 'aborted' | 'pid'>;

function spawnAgent(opts: AgentRunOptions, args: string[]): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const [command, ...prefix] = agentCommand(opts.agentPath);
    const child = spawn(command, [...prefix, ...args], {
      detached: true, // its own process group: an abort reaches what it started too
      stdio: ['ignore', 'pipe', 'pipe'],
      env: opts.env ?? process.env,
    });
    const out = streamTail(child.stdout, KEEP);
    const err = streamTail(child.stderr, KEEP);
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const abort = () => {
      if (aborted || child.pid === undefined) return;
      aborted = true;
      signalGroup(child.pid, 'SIGTERM');
      killTimer = setTimeout(() => signalGroup(child.pid!, 'SIGKILL'), opts.killAfterMs ?? 1500);
    };
    child.once('error', (e) => {
      opts.signal?.removeEventListener('abort', abort);
      reject(e);
    });
    child.once('spawn', () => {
      opts.onSpawn?.(child.pid!);
      if (opts.signal?.aborted) abort();
      else opts.signal?.addEventListener('abort', abort, { once: true });
    });
    // Once the agent is gone, what it left in its group goes too (an exec command's children,
    // after an abort or the agent killed from outside): they would hold its pipes open.
    child.once('exit', () => signalGroup(child.pid!, 'SIGKILL'));
    child.once('close', (exitCode, signal) => {
      clearTimeout(killTimer);
      opts.signal?.removeEventListener('abort', abort);
      resolve({ exitCode, signal, stdout: out(), stderr: err(), aborted, pid: child.pid! });
    });
  });
}

/**
 * How to start the agent: a Node script (bin/permafrost-agent) with this Node, whatever `node`
 * is on PATH; another program (an executable, a script of another interpreter: a stand-in for
 * the bench, a wrapper) by itself.
 */
export function agentCommand(agentPath: string): string[] {
  const known = commands.get(agentPath);
  if (known) return known;
  let head = '';
  try {
    const fd = fs.openSync(agentPath, 'r');
    const buf = Buffer.alloc(128);
    head = buf.subarray(0, fs.readSync(fd, buf, 0, 128, 0)).toString('latin1');
    fs.closeSync(fd);
  } catch {
    // Not readable: spawning it says why.
  }
  const shebang = head.startsWith('#!') ? head.slice(2, head.indexOf('\n') >>> 0) : '';
  const program = head.startsWith('\x7fELF') || (shebang !== '' && !/\bnode\b/.test(shebang));
  const command = program ? [agentPath] : [process.execPath, agentPath];
  if (head) commands.set(agentPath, command);
  return command;
}

function readMetadata(file: string): { metadata: Record<string, unknown> | null; metadataError: string | null } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return { metadata: null, metadataError: null }; // the action has none (exec, restore) or failed first
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return { metadata: value as Record<string, unknown>, metadataError: null };
    return { metadata: null, metadataError: 'the metadata is not a JSON object' };
  } catch (err) {
    return { metadata: null, metadataError: `the metadata is not JSON: ${(err as Error).message}` };
  }
}
