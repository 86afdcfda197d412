// The real freezer-api, run by test/services/freezer-api.sh in one of its modes (sqlite +
// noauth, --mariadb, --keystone, --v1), the real `freezer` CLI (python3-freezerclient) pointed
// at it, and a recording reverse proxy to see the HTTP a client sends. What this run started,
// it stops at the end of the run; a server that was already up is left running.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { listenOnLoopback } from './net.js';
import { parseEnvLines, runServiceScript, serviceScript, startOrSkip } from './service-script.js';

export const FREEZER_API_SCRIPT = serviceScript('freezer-api.sh');

export type FreezerApiMode = '--mariadb' | '--keystone' | '--v1';

const script = (cmd: string, modes: FreezerApiMode[]) => runServiceScript(FREEZER_API_SCRIPT, [cmd, ...modes]);

/** The `env` lines of a mode: OS_* for the freezer CLI and our client, FREEZER_API_* about the server. */
export async function freezerApiEnv(modes: FreezerApiMode[] = []): Promise<Record<string, string>> {
  return parseEnvLines((await script('env', modes)).stdout);
}

const startedHere = new Set<string>();

export async function startFreezerApi(modes: FreezerApiMode[] = []): Promise<Record<string, string>> {
  const key = modes.join(' ');
  const up = await script('status', modes).then(
    () => true,
    () => false,
  );
  if (!up) startedHere.add(key);
  await script('start', modes);
  return freezerApiEnv(modes);
}

export function startFreezerApiOrSkip(ctx: Mocha.Context, modes: FreezerApiMode[] = []): Promise<Record<string, string>> {
  return startOrSkip(ctx, `freezer-api ${modes.join(' ')}`.trim(), () => startFreezerApi(modes));
}

/** stop|start|restart of a running mode, for the "API down" tests. */
export async function freezerApiControl(cmd: 'stop' | 'start' | 'restart', modes: FreezerApiMode[] = []): Promise<void> {
  await script(cmd, modes);
}

// A root-level hook (this module is loaded with the spec files): runs once, after every suite.
after(async function () {
  this.timeout(120_000);
  for (const key of startedHere) await script('stop', key ? (key.split(' ') as FreezerApiMode[]) : []);
  startedHere.clear();
});

/** A HOME for the freezer CLI (cliff writes its history there), removed at exit. */
function cliHome(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-freezer-cli-'));
  process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}
let home: string | null = null;

/** Runs `freezer ARGS` (python3-freezerclient 5) with the service's env (and no other OS_*); rejects with its stderr. */
export function freezerCli(env: Record<string, string>, args: string[]): Promise<{ stdout: string; stderr: string }> {
  home ??= cliHome();
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('OS_')));
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/freezer', args, { env: { ...clean, ...env, HOME: home! }, timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`freezer ${args.join(' ')} failed: ${stderr.trim() || err.message}`));
      else resolve({ stdout, stderr });
    });
  });
}

export interface RecordedRequest {
  method: string;
  url: string;
  /** The body as sent ('' when none). */
  body: string;
  token: string | undefined;
  status: number;
}

/** A reverse proxy to `target` (http://host:port) that records every request and the answer's status. */
export async function recordingProxy(target: string): Promise<{ url: string; seen: RecordedRequest[]; close: () => Promise<void> }> {
  const seen: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const entry: RecordedRequest = {
        method: req.method!,
        url: req.url!,
        body: body.toString('utf8'),
        token: req.headers['x-auth-token'] as string | undefined,
        status: 0,
      };
      seen.push(entry);
      const out = http.request(new URL(req.url!, target), { method: req.method, headers: req.headers }, (up) => {
        entry.status = up.statusCode!;
        res.writeHead(up.statusCode!, up.headers);
        up.pipe(res);
      });
      out.on('error', () => res.destroy());
      out.end(body);
    });
  });
  return { ...(await listenOnLoopback(server)), seen };
}

/** `freezer backup-list` rows as [Backup ID, Hostname, Path] (`-f json` crashes in freezerclient 5). */
export async function backupRows(env: Record<string, string>): Promise<string[][]> {
  const { stdout } = await freezerCli(env, [
    'backup-list',
    '--limit',
    '100000',
    '-f',
    'value',
    '-c',
    'Backup ID',
    '-c',
    'Hostname',
    '-c',
    'Path',
  ]);
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' '));
}
