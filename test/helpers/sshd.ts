// A real OpenSSH server for the ssh storage tests, run by test/services/sshd.sh (which installs
// openssh-server when it is missing). Each state directory is one server: the fault tests use
// their own so that stopping it never disturbs another suite.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { REPO } from './agent.js';

export const SSHD_SCRIPT = path.join(REPO, 'test', 'services', 'sshd.sh');
export const DEFAULT_SSHD_DIR = '/tmp/permafrost-sshd';

export interface SshdInfo {
  host: string;
  port: number;
  user: string;
  /** The client's private key (authorized on the server). */
  key: string;
  /** A known_hosts file holding the server's host key. */
  knownHosts: string;
  /** The server's public host key (`ssh-ed25519 AAAA… comment`). */
  hostKeyPub: string;
  /** A directory for containers, on this machine (the server is local). */
  scratch: string;
  state: string;
}

/** The machine cannot run sshd (no package, no way to install it): tests skip, saying why. */
export class SshdUnavailable extends Error {}

function script(cmd: string, stateDir: string): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile('bash', [SSHD_SCRIPT, cmd], { env: { ...process.env, PERMAFROST_SSHD_DIR: stateDir }, timeout: 600_000 }, (err, stdout, stderr) => {
      if (!err) return resolve({ stdout, stderr });
      const status = (err as { code?: unknown }).code;
      const why = `${SSHD_SCRIPT} ${cmd} failed (${status}): ${stderr.trim().split('\n').slice(-5).join(' | ')}`;
      reject(status === 3 ? new SshdUnavailable(why) : new Error(why));
    });
  });
}

export async function sshdEnv(stateDir = DEFAULT_SSHD_DIR): Promise<SshdInfo> {
  const { stdout } = await script('env', stateDir);
  const env = Object.fromEntries(stdout.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  const { readFileSync } = await import('node:fs');
  return {
    host: env.SSHD_HOST,
    port: Number(env.SSHD_PORT),
    user: env.SSHD_USER,
    key: env.SSHD_KEY,
    knownHosts: env.SSHD_KNOWN_HOSTS,
    hostKeyPub: readFileSync(env.SSHD_HOST_KEY_PUB, 'utf8').trim(),
    scratch: env.SSHD_SCRATCH,
    state: env.SSHD_STATE,
  };
}

/** Starts the server of `stateDir` (or reuses it when it is up) and describes it. */
export async function startSshd(stateDir = DEFAULT_SSHD_DIR): Promise<SshdInfo> {
  await script('start', stateDir);
  return sshdEnv(stateDir);
}

/** Stops the server of `stateDir` and drops its connections. */
export async function stopSshd(stateDir = DEFAULT_SSHD_DIR): Promise<void> {
  await script('stop', stateDir);
}

/**
 * For a mocha `before` hook: starts the server, or skips the suite (with the reason on stderr)
 * when this machine cannot run sshd at all. Any other failure fails the suite.
 */
export async function startSshdOrSkip(ctx: Mocha.Context, stateDir = DEFAULT_SSHD_DIR): Promise<SshdInfo> {
  try {
    return await startSshd(stateDir);
  } catch (err) {
    // CI installs openssh-server itself, so there an unavailable server is a failure, not a skip.
    if (err instanceof SshdUnavailable && !process.env.CI) {
      console.error(`skipping the ssh tests: this machine cannot run sshd: ${err.message}`);
      ctx.skip();
    }
    throw err;
  }
}
