// `npm run bench -- rdiff`: permafrost-rdiff against librsync's rdiff 2.3.2 on the same
// 512 MiB files, one case per step (signature; delta and patch for each change pattern), so
// each has its own rdiff reference row. Inputs a step needs (a signature, a delta) are made
// once by rdiff, untimed, and shared by both tools. permafrost-rdiff makes its output durable
// (fdatasync, then rename over the target); rdiff leaves it in the page cache, so the rdiff
// rows end with `sync` of the output: both rows then measure the same durable result.
import fs from 'node:fs';
import path from 'node:path';
import type { CaseDef, RowContext, RowDef } from './cases.js';
import { runUntimed, shellPipeline, shq } from './shell.js';

const PATTERNS = [
  { v: 'a', what: '1% of 4 KiB blocks changed' },
  { v: 'b', what: '100 insertions' },
  { v: 'c', what: 'unrelated data' },
] as const;

const input = (ctx: RowContext, name: string) => path.join(ctx.tree.root, name);
const out = (ctx: RowContext) => path.join(ctx.scratch, 'out');
const rdiffBin = (ctx: RowContext) => [process.execPath, path.join(ctx.cfg.repoRoot, 'bin', 'permafrost-rdiff')];

type Step = (ctx: RowContext) => string[];

function pair(
  caseName: string,
  title: string,
  shape: string,
  prepare: ((ctx: RowContext) => void) | undefined,
  step: Step,
  verify?: (ctx: RowContext) => void,
): CaseDef {
  const row = (tool: 'permafrost' | 'peer'): RowDef => ({
    id: `${tool === 'peer' ? 'peer' : 'permafrost'}-${caseName}`,
    label: tool === 'peer' ? `rdiff ${shape} && sync` : `permafrost-rdiff ${shape}`,
    tool,
    op: 'diff',
    prepare,
    command: (ctx) =>
      tool === 'peer'
        ? shellPipeline(`${['rdiff', '-f', ...step(ctx)].map(shq).join(' ')} && sync -- ${shq(out(ctx))}`)
        : [...rdiffBin(ctx), '-f', ...step(ctx)],
    outputBytes: (ctx) => fs.statSync(out(ctx)).size,
    verify,
  });
  return {
    name: caseName,
    group: 'rdiff',
    title,
    tree: 'rdiff',
    tools: ['rdiff'],
    referenceRow: `peer-${caseName}`,
    rows: [row('permafrost'), row('peer')],
  };
}

const fixture = (ctx: RowContext, name: string) => path.join(ctx.fixtures, name);

function makeSignature(ctx: RowContext): void {
  fs.mkdirSync(ctx.fixtures, { recursive: true });
  runUntimed(['rdiff', '-f', 'signature', input(ctx, 'base.bin'), fixture(ctx, 'base.sig')]);
}

export const RDIFF_CASES: CaseDef[] = [
  pair(
    'rdiff-signature',
    'rdiff signature of the basis (RabinKarp + BLAKE2b, default block length)',
    'signature base.bin',
    undefined,
    (ctx) => ['signature', input(ctx, 'base.bin'), out(ctx)],
  ),
  ...PATTERNS.map(({ v, what }) =>
    pair(`rdiff-delta-${v}`, `rdiff delta, ${what}`, `delta base.sig new_${v}.bin`, makeSignature, (ctx) => [
      'delta',
      fixture(ctx, 'base.sig'),
      input(ctx, `new_${v}.bin`),
      out(ctx),
    ]),
  ),
  ...PATTERNS.map(({ v, what }) =>
    pair(
      `rdiff-patch-${v}`,
      `rdiff patch, ${what}`,
      `patch base.bin new_${v}.delta`,
      (ctx) => {
        makeSignature(ctx);
        runUntimed(['rdiff', '-f', 'delta', fixture(ctx, 'base.sig'), input(ctx, `new_${v}.bin`), fixture(ctx, 'new.delta')]);
      },
      (ctx) => ['patch', input(ctx, 'base.bin'), fixture(ctx, 'new.delta'), out(ctx)],
      (ctx) => {
        if (fs.statSync(out(ctx)).size !== fs.statSync(input(ctx, `new_${v}.bin`)).size) throw new Error('patch output has the wrong size');
      },
    ),
  ),
];
