// `npm run bench -- swift`: a 1 GiB backup to the loopback Swift of test/services/swift.sh
// (started here if it is not running) against `curl -T` of the very same bytes to the same
// Swift: of one 1 GiB file (the upload path itself), and of the 1 GiB mixed tree (where walking
// 75k files competes with Swift's own processes for the same two cores). `--compression none` makes the stored stream the tar stream itself, so both rows move
// the same bytes and the comparison is about the upload path (segments, queue, HTTP), not CPU
// spent compressing. The curl payload is the data object of an untimed permafrost backup to a
// local store: byte for byte what the timed backup uploads.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import type { CaseDef, RowContext, RowDef } from './cases.js';
import { runUntimed } from './shell.js';

interface SwiftEndpoint {
  authUrl: string;
  user: string;
  key: string;
  storageUrl: string;
  token: string;
}

let endpoint: SwiftEndpoint | null = null;

/** Starts (or reuses) the test Swift and logs in once. */
function swift(ctx: RowContext): SwiftEndpoint {
  if (endpoint) return endpoint;
  const script = path.join(ctx.cfg.repoRoot, 'test', 'services', 'swift.sh');
  runUntimed(['bash', script, 'start']);
  const env = Object.fromEntries(
    spawnSync('bash', [script, 'env'], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  const auth = spawnSync(
    'curl',
    [
      '-sS',
      '-f',
      '-D',
      '-',
      '-o',
      '/dev/null',
      '-H',
      `X-Auth-User: ${env.SWIFT_USER}`,
      '-H',
      `X-Auth-Key: ${env.SWIFT_KEY}`,
      env.SWIFT_AUTH_URL,
    ],
    { encoding: 'utf8' },
  );
  if (auth.status !== 0) throw new Error(`TempAuth login failed: ${auth.stderr}`);
  const header = (name: string) => new RegExp(`^${name}: (.*?)\\r?$`, 'im').exec(auth.stdout)?.[1] ?? '';
  endpoint = {
    authUrl: env.SWIFT_AUTH_URL,
    user: env.SWIFT_USER,
    key: env.SWIFT_KEY,
    storageUrl: header('X-Storage-Url'),
    token: header('X-Auth-Token'),
  };
  return endpoint;
}

/** Swift container of one row; emptied before each repetition so runs do not pile up on disk. */
const containerOf = (ctx: RowContext) => `bench-${path.basename(path.dirname(ctx.scratch))}`;

function curlSwift(ctx: RowContext, method: string, object: string, extra: string[] = []): string {
  const e = swift(ctx);
  const r = spawnSync(
    'curl',
    ['-sS', '-f', '-X', method, '-H', `X-Auth-Token: ${e.token}`, ...extra, `${e.storageUrl}/${containerOf(ctx)}${object}`],
    { encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  if (r.status !== 0 && !(method === 'DELETE' && /404/.test(r.stderr))) throw new Error(`curl ${method} ${object}: ${r.stderr}`);
  return r.stdout;
}

function emptyContainer(ctx: RowContext): void {
  const names = curlSwift(ctx, 'GET', '?format=plain').split('\n').filter(Boolean);
  for (const n of names) curlSwift(ctx, 'DELETE', `/${n.split('/').map(encodeURIComponent).join('/')}`);
}

/** Bytes stored in the row's container (a DLO manifest is 0 bytes, its segments count). */
function storedBytes(ctx: RowContext): number {
  const listing = JSON.parse(curlSwift(ctx, 'GET', '?format=json')) as Array<{ name: string; bytes: number }>;
  return listing.filter((o) => !o.name.startsWith('metadata/') && !o.name.endsWith('/engine_metadata')).reduce((n, o) => n + o.bytes, 0);
}

const payload = (ctx: RowContext) => path.join(ctx.fixtures, 'stream.tar');

function makePayload(ctx: RowContext): void {
  if (fs.existsSync(payload(ctx))) return;
  fs.mkdirSync(ctx.fixtures, { recursive: true });
  const store = path.join(ctx.fixtures, 'local-store');
  runUntimed([
    process.execPath,
    ctx.cfg.agentBin,
    '--action',
    'backup',
    '--storage',
    'local',
    '--container',
    store,
    '--backup-name',
    'payload',
    '--path-to-backup',
    ctx.tree.root,
    '--compression',
    'none',
    '--quiet',
  ]);
  const data = spawnSync('find', [path.join(store, 'data'), '-type', 'f', '-name', 'data'], { encoding: 'utf8' }).stdout.trim();
  fs.renameSync(data, payload(ctx));
  fs.rmSync(store, { recursive: true, force: true });
}

function prepareRow(ctx: RowContext): void {
  swift(ctx);
  curlSwift(ctx, 'PUT', '', ['-H', 'Content-Length: 0']);
  emptyContainer(ctx);
}

function checkAndEmpty(ctx: RowContext, expected: number): void {
  const got = storedBytes(ctx);
  emptyContainer(ctx);
  if (got !== expected) throw new Error(`${got} bytes landed in Swift, expected ${expected}`);
}

function agentRow(id: string, label: string, extra: string[]): RowDef {
  return {
    id,
    label,
    tool: 'permafrost',
    op: 'backup',
    prepare: (ctx) => {
      makePayload(ctx);
      prepareRow(ctx);
    },
    command: (ctx) => {
      const e = swift(ctx);
      return [
        process.execPath,
        ctx.cfg.agentBin,
        '--action',
        'backup',
        '--storage',
        'swift',
        '--container',
        containerOf(ctx),
        '--os-auth-url',
        e.authUrl,
        '--os-username',
        e.user,
        '--os-password',
        e.key,
        '--backup-name',
        'bench',
        '--path-to-backup',
        ctx.tree.root,
        '--compression',
        'none',
        '--no-incremental',
        'true',
        '--quiet',
        ...extra,
      ];
    },
    outputBytes: (ctx) => fs.statSync(payload(ctx)).size,
    verify: (ctx) => checkAndEmpty(ctx, fs.statSync(payload(ctx)).size),
  };
}

function curlRow(): RowDef {
  return {
    id: 'peer-swift-curl',
    label: 'curl -T stream.tar (one PUT of the same bytes)',
    tool: 'peer',
    op: 'backup',
    prepare: (ctx) => {
      makePayload(ctx);
      prepareRow(ctx);
    },
    command: (ctx) => {
      const e = swift(ctx);
      return [
        'curl',
        '-sS',
        '-f',
        '-o',
        '/dev/null',
        '-H',
        `X-Auth-Token: ${e.token}`,
        '-T',
        payload(ctx),
        `${e.storageUrl}/${containerOf(ctx)}/stream.tar`,
      ];
    },
    outputBytes: (ctx) => fs.statSync(payload(ctx)).size,
    verify: (ctx) => checkAndEmpty(ctx, fs.statSync(payload(ctx)).size),
  };
}

export const SWIFT_CASES: CaseDef[] = [
  {
    name: 'swift',
    group: 'swift',
    title: '1 GiB L0 backup of one file (--compression none) to Swift on loopback vs curl -T of the same bytes',
    tree: 'single',
    tools: ['curl'],
    referenceRow: 'peer-swift-curl',
    rows: [
      agentRow('permafrost-swift', 'permafrost backup --storage swift (32 MiB segments, --upload-queue-size 2: the default)', []),
      agentRow('permafrost-swift-q4', 'permafrost backup --storage swift (32 MiB segments, --upload-queue-size 4)', [
        '--upload-queue-size',
        '4',
      ]),
      curlRow(),
    ],
  },
  {
    name: 'swift-tree',
    group: 'swift',
    title: '1 GiB L0 backup of the mixed tree (--compression none) to Swift on loopback vs curl -T of the same bytes',
    tree: 'rss',
    tools: ['curl'],
    referenceRow: 'peer-swift-curl',
    rows: [agentRow('permafrost-swift', 'permafrost backup --storage swift (defaults)', []), curlRow()],
  },
];
