// Runs the real CLI (bin/permafrost-agent) as a child process, as an operator would.
import { spawn, spawnSync, SpawnSyncReturns } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { scratchCwd } from './scratch.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const AGENT = path.join(REPO, 'bin', 'permafrost-agent');

export interface RunResult {
  status: number;
  stdout: string;
  stderr: string;
}

export interface AgentOptions {
  env?: NodeJS.ProcessEnv;
  input?: string;
  cwd?: string;
  /** Kill it after this long (a hang): the result then has status -1 and `signal`. */
  timeoutMs?: number;
}

export function agent(args: string[], opts: AgentOptions = {}): RunResult & { signal?: string | null; ms: number } {
  const started = Date.now();
  const r: SpawnSyncReturns<string> = spawnSync(process.execPath, [AGENT, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...opts.env },
    input: opts.input,
    maxBuffer: 64 << 20,
    cwd: opts.cwd,
    timeout: opts.timeoutMs,
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, signal: r.signal, ms: Date.now() - started };
}

/** Runs the agent and fails the test with its stderr when the exit status is not 0. */
export function agentOk(args: string[], opts: AgentOptions = {}): RunResult {
  const r = agent(args, opts);
  if (r.status !== 0) throw new Error(`permafrost-agent ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  return r;
}

/** Runs a tool; without `cwd`, in a scratch directory (never the repository: see scratch.ts). */
export function run(
  cmd: string,
  args: string[],
  opts: { input?: Buffer; cwd?: string; env?: NodeJS.ProcessEnv } = {},
): { status: number; stdout: Buffer; stderr: string } {
  const r = spawnSync(cmd, args, {
    input: opts.input,
    cwd: opts.cwd ?? scratchCwd(),
    env: { ...process.env, ...opts.env },
    maxBuffer: 1 << 30,
  });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr.toString() };
}

/** Runs the agent without blocking the test's event loop (for tests that act while it runs). */
export function agentAsync(args: string[], opts: { env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AGENT, ...args], { env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d) => {
      stderr += d;
    });
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ status: code ?? (signal ? 128 : -1), stdout, stderr }));
  });
}
