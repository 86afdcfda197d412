// Acceptance 3 of the storage issue: for the same backups (L0 then L1 of the same tree, same
// options), our Swift objects have the names and manifest headers freezer-agent 13 gives its
// own; and each restores the other's chain from Swift. Both authenticate through the real
// Keystone v3 of test/services/swift.sh (Freezer cannot use TempAuth, docs/FREEZER.md §3).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { agentOk, run } from './helpers/agent.js';
import { requireTool } from './helpers/tools.js';
import { SwiftInfo, startSwiftOrSkip } from './helpers/swift.js';
import { RawSwift, rawSwiftKeystone } from './helpers/swift-raw.js';
import { makeSampleTree, mutate1, prng, snapshotTree, tempDir } from './helpers/tree.js';

/** Object names with the backup timestamps and the container replaced by placeholders. */
const normalize = (s: string, container: string) =>
  s
    .split(container)
    .join('<container>')
    .replace(/(?<!\d)\d{10}(?!\d)/g, '<ts>');

describe('Swift objects: the same names and manifests as freezer-agent 13', function () {
  this.timeout(300_000);
  let info: SwiftInfo;
  let raw: RawSwift;
  let work: string;
  let env: Record<string, string>;
  const fz = `fz-parity-${randomBytes(4).toString('hex')}`;
  const pf = `pf-parity-${randomBytes(4).toString('hex')}`;
  const common = (container: string) => [
    '--mode',
    'fs',
    '--storage',
    'swift',
    '--container',
    container,
    '--backup-name',
    't1',
    '--hostname',
    'vm',
    '--max-segment-size',
    '1048576',
  ];

  const freezer = (args: string[]) => {
    const log = path.join(work, 'freezer.log');
    const r = run('freezer-agent', [...args, '--log-file', log], { env: { ...env, HOME: work } });
    if (r.status !== 0)
      throw new Error(`freezer-agent ${args.join(' ')} exited ${r.status}: ${r.stderr}\n${fs.readFileSync(log, 'utf8').slice(-3000)}`);
  };

  before(async function () {
    requireTool('freezer-agent');
    info = await startSwiftOrSkip(this, true);
    env = info.keystone!.env;
    raw = await rawSwiftKeystone(info);
    work = tempDir('pf-parity-');
    const src = path.join(work, 'src');
    makeSampleTree(src);
    // About 3.2 MB of incompressible data: three full 1 MiB segments and a short one.
    fs.writeFileSync(path.join(src, 'p.bin'), prng(3_000_000, 42));
    // Same tree, same options, one tool after the other, for each level.
    freezer(['--action', 'backup', ...common(fz), '--path-to-backup', src]);
    agentOk(['--action', 'backup', ...common(pf), '--path-to-backup', src, '--quiet'], { env });
    mutate1(src);
    freezer(['--action', 'backup', ...common(fz), '--path-to-backup', src]);
    agentOk(['--action', 'backup', ...common(pf), '--path-to-backup', src, '--quiet'], { env });
  });
  after(async () => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
    for (const c of [fz, pf]) await raw?.dropContainer(c);
  });

  it('the same object names, sizes of manifests, and content types', async () => {
    const shape = async (container: string) =>
      (await raw.listing(container)).map((o) => ({
        name: normalize(o.name, container),
        // Segment and data sizes depend on the compressor's exact bytes; manifests are 0 bytes in both.
        manifest: o.name.endsWith('/data') ? o.bytes : undefined,
        type: o.content_type,
      }));
    const theirs = await shape(fz);
    const ours = await shape(pf);
    assert.ok(
      theirs.some((o) => o.name.endsWith('/segments/00000003')),
      JSON.stringify(theirs),
    );
    assert.deepEqual(ours, theirs);
  });

  it('the same DLO manifest headers', async () => {
    const manifests = async (container: string) => {
      const names = (await raw.listing(container)).map((o) => o.name).filter((n) => n.endsWith('/data'));
      return Promise.all(
        names.map(async (n) => {
          const h = (await raw.head(container, n)).headers;
          return {
            name: normalize(n, container),
            'x-object-manifest': normalize(h.get('x-object-manifest') ?? '', container),
            'content-type': h.get('content-type'),
            etagQuoted: /^"[0-9a-f]{32}"$/.test(h.get('etag') ?? ''),
            userMetadata: [...h.keys()].filter((k) => k.startsWith('x-object-meta-')),
          };
        }),
      );
    };
    const theirs = await manifests(fz);
    assert.equal(theirs.length, 2);
    assert.equal(theirs[0]['x-object-manifest'], '<container>/data/tar/vm_t1/<ts>/0_<ts>/segments');
    assert.deepEqual(await manifests(pf), theirs);
  });

  it('permafrost restores the freezer-agent chain from Swift, and freezer-agent restores ours', () => {
    const expected = snapshotTree(path.join(work, 'src'));
    const byUs = path.join(work, 'restored-by-permafrost');
    agentOk(['--action', 'restore', ...common(fz), '--restore-abs-path', byUs], { env });
    assert.deepEqual(snapshotTree(byUs), expected);
    const byThem = path.join(work, 'restored-by-freezer');
    freezer(['--action', 'restore', ...common(pf), '--restore-abs-path', byThem]);
    assert.deepEqual(snapshotTree(byThem), expected);
  });
});
