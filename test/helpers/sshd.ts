// A real OpenSSH server for the ssh storage tests, run by test/services/sshd.sh (which installs
// openssh-server when it is missing). Each state directory is one server: the fault tests use
// their own so that stopping it never disturbs another suite.
import { parseEnvLines, runServiceScript, serviceScript, startOrSkip } from './service-script.js';

export const SSHD_SCRIPT = serviceScript('sshd.sh');
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

const script = (cmd: string, stateDir: string) => runServiceScript(SSHD_SCRIPT, [cmd], { PERMAFROST_SSHD_DIR: stateDir });

export async function sshdEnv(stateDir = DEFAULT_SSHD_DIR): Promise<SshdInfo> {
  const { stdout } = await script('env', stateDir);
  const env = parseEnvLines(stdout);
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

/** For a mocha `before` hook: starts the server, or skips the suite when this machine cannot run sshd. */
export function startSshdOrSkip(ctx: Mocha.Context, stateDir = DEFAULT_SSHD_DIR): Promise<SshdInfo> {
  return startOrSkip(ctx, 'ssh', () => startSshd(stateDir));
}
