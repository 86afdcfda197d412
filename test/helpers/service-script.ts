// Runs one of test/services/*.sh (which install what they need, start real servers on
// 127.0.0.1 and print KEY=VALUE lines for `env`). Exit status 3 means "this machine cannot run
// the service at all": outside CI the suite skips, saying why; in CI it is a failure.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { REPO } from './agent.js';

export class ServiceUnavailable extends Error {}

export function serviceScript(name: string): string {
  return path.join(REPO, 'test', 'services', name);
}

export function runServiceScript(script: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      'bash',
      [script, ...args],
      { env: { ...process.env, ...env }, timeout: 600_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        if (!err) return resolve({ stdout, stderr });
        const status = (err as { code?: unknown }).code;
        const why = `${script} ${args.join(' ')} failed (${String(status)}): ${stderr.trim().split('\n').slice(-5).join(' | ')}`;
        reject(status === 3 ? new ServiceUnavailable(why) : new Error(why));
      },
    );
  });
}

/** `KEY=VALUE` lines as an object. */
export function parseEnvLines(stdout: string): Record<string, string> {
  return Object.fromEntries(
    stdout
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

/** For a mocha `before` hook: runs `start`, or skips the suite when the machine cannot run the service. */
export async function startOrSkip<T>(ctx: Mocha.Context, what: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    if (err instanceof ServiceUnavailable && !process.env.CI) {
      console.error(`skipping the ${what} tests: this machine cannot run it: ${err.message}`);
      ctx.skip();
    }
    throw err;
  }
}
