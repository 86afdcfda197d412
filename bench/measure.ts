// Runs one command as a fresh child process under GNU time. GNU time reads the child's
// rusage from wait4(), which folds in every descendant the child waited for: a `bash -c
// "tar | zstd"` pipeline is charged for both tar and zstd (CPU summed, RSS = largest one).
// Wall time comes from our own monotonic clock: GNU time's %e only has 10 ms resolution.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const GNU_TIME = '/usr/bin/time';

export interface Sample {
  wallS: number;
  userS: number;
  sysS: number;
  /** Peak resident set size of the largest process in the run, KiB. */
  maxRssKiB: number;
}

/** A failed command: `message` is one readable line for the report, `detail` has argv and stderr. */
export class CommandFailed extends Error {
  constructor(
    why: string,
    readonly argv: readonly string[],
    readonly stderr: string,
  ) {
    super(`${why}: ${mostTellingLine(stderr)}`);
  }
  get detail(): string {
    return `${this.argv.join(' ')}\n${this.stderr}`;
  }
}

/** The line of a stderr dump that names the problem (Node prints source context before the Error line). */
function mostTellingLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  return lines.find((l) => /error/i.test(l)) ?? lines.pop() ?? '(no stderr)';
}

export function timedRun(argv: readonly string[], env?: NodeJS.ProcessEnv, cwd?: string): Promise<Sample> {
  const statsFile = path.join(os.tmpdir(), `permafrost-bench-time-${process.pid}.txt`);
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(GNU_TIME, ['-f', '%U %S %M', '-o', statsFile, '--', ...argv], {
      cwd,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderrTail = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => {
      stderrTail = (stderrTail + s).slice(-4000);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
      const stats = fs.existsSync(statsFile) ? fs.readFileSync(statsFile, 'utf8') : '';
      fs.rmSync(statsFile, { force: true });
      if (code !== 0) {
        const why = signal ? `signal ${signal}` : `exit ${code}`;
        reject(new CommandFailed(why, argv, stderrTail.trim()));
        return;
      }
      // On failure GNU time prepends a "Command exited..." line; the numbers are always last.
      const last = stats.trim().split('\n').pop() ?? '';
      const [u, s, m] = last.split(/\s+/).map(Number);
      if (![u, s, m].every((v) => Number.isFinite(v))) {
        reject(new Error(`cannot parse GNU time output: ${JSON.stringify(stats)}`));
        return;
      }
      resolve({ wallS, userS: u, sysS: s, maxRssKiB: m });
    });
  });
}
