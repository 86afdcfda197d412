// `npm run bench -- startup`: how long a short command takes, against `node -e 0` (Node's own
// start, the floor for any Node program). Scripts call permafrost-rdiff thousands of times on
// small files, and the agent's --help and a backup with nothing to store are what an operator
// waits for at a prompt. librsync's rdiff on the same 1 KiB file shows the floor of a C tool.
// BENCH_BEFORE=/path/to/another/checkout adds its binaries' rows (built there with
// `npm ci && npm run build:ts`), so an old and a new start-up are measured in one run.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CaseDef, RowContext, RowDef } from './cases.js';
import { runUntimed } from './shell.js';

const REPS = Number(process.env.BENCH_STARTUP_REPS) || 21;
const node = process.execPath;

interface Build {
  tag: string;
  root: string;
  tool: RowDef['tool'];
}

function builds(repoRoot: string): Build[] {
  const before = process.env.BENCH_BEFORE;
  const now: Build = { tag: '', root: repoRoot, tool: 'permafrost' };
  return before ? [{ tag: 'before: ', root: path.resolve(before), tool: 'peer' }, now] : [now];
}

const smallFile = (ctx: RowContext) => path.join(ctx.fixtures, '1k.bin');

function rowsOf(b: Build): RowDef[] {
  const agent = path.join(b.root, 'bin', 'permafrost-agent');
  const rdiff = path.join(b.root, 'bin', 'permafrost-rdiff');
  const id = (name: string) => `${b.tag ? 'before-' : 'permafrost-'}${name}`;
  const store = (ctx: RowContext) => path.join(ctx.fixtures, 'store');
  const backup = (ctx: RowContext, level: string[]) => [
    node,
    agent,
    '--action',
    'backup',
    '--storage',
    'local',
    '--container',
    store(ctx),
    '--backup-name',
    'startup',
    '--path-to-backup',
    ctx.tree.root,
    '--compression',
    'zstd',
    '--quiet',
    ...level,
  ];
  return [
    { id: id('help'), label: `${b.tag}permafrost-agent --help`, tool: b.tool, op: 'start', command: () => [node, agent, '--help'] },
    {
      id: id('signature-1k'),
      label: `${b.tag}permafrost-rdiff signature (1 KiB file)`,
      tool: b.tool,
      op: 'start',
      prepare: (ctx) => {
        fs.mkdirSync(ctx.fixtures, { recursive: true });
        fs.writeFileSync(smallFile(ctx), Buffer.alloc(1024, 7));
      },
      command: (ctx) => [node, rdiff, '-f', 'signature', smallFile(ctx), path.join(ctx.scratch, 'out.sig')],
    },
    {
      id: id('level1-nochange'),
      label: `${b.tag}permafrost-agent level 1, nothing changed (8 MiB tree)`,
      tool: b.tool,
      op: 'start',
      // A level 0 once; every timed run is then a level 1 against it (--always-level 1).
      prepare: (ctx) => {
        fs.mkdirSync(ctx.fixtures, { recursive: true });
        runUntimed(backup(ctx, []));
      },
      command: (ctx) => backup(ctx, ['--always-level', '1']),
    },
  ];
}

/** dist/bench/ → the checkout's root, as config.ts finds it. */
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const STARTUP_CASES: CaseDef[] = [
  {
    name: 'startup',
    group: 'startup',
    title: 'start-up of short commands vs node -e 0',
    tree: 'small',
    tools: ['rdiff'],
    referenceRow: 'peer-node',
    reps: REPS,
    rows: [
      { id: 'peer-node', label: 'node -e 0', tool: 'peer', op: 'start', command: () => [node, '-e', '0'] },
      {
        id: 'peer-rdiff-signature-1k',
        label: 'rdiff signature (1 KiB file)',
        tool: 'peer',
        op: 'start',
        prepare: (ctx) => {
          fs.mkdirSync(ctx.fixtures, { recursive: true });
          fs.writeFileSync(smallFile(ctx), Buffer.alloc(1024, 7));
        },
        command: (ctx) => ['rdiff', '-f', 'signature', smallFile(ctx), path.join(ctx.scratch, 'out.sig')],
      },
      ...builds(REPO_ROOT).flatMap(rowsOf),
    ],
  },
];
