// Acceptance 2: stock openssl + decompressors + `tar --incremental -x` restore our L0..L2, and
// we restore a chain made by `tar --listed-incremental` placed in Freezer's layout.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { agentOk, run } from './helpers/agent.js';
import { stockRestore } from './helpers/stock.js';
import { requireTool } from './helpers/tools.js';
import { makeSampleTree, mutate1, mutate2, snapshotTree, tempDir } from './helpers/tree.js';

describe('GNU tar interoperability', function () {
  let work: string;
  before(() => {
    for (const t of ['tar', 'openssl', 'zstd', 'xz', 'gzip']) requireTool(t);
    work = tempDir();
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  for (const [codec, encrypted] of [
    ['zstd', true],
    ['xz', false],
    ['gzip', true],
  ] as const) {
    it(`stock tools restore our L0..L2 (${codec}${encrypted ? ', encrypted' : ''})`, function () {
      const dir = fs.mkdtempSync(path.join(work, 'ours-'));
      const src = path.join(dir, 'src');
      const store = path.join(dir, 'store');
      const pass = path.join(dir, 'pass');
      fs.writeFileSync(pass, 'stock tools\n');
      makeSampleTree(src);
      const args = [
        '--action',
        'backup',
        '--path-to-backup',
        src,
        '--storage',
        'local',
        '--container',
        store,
        '--backup-name',
        'g',
        '--compression',
        codec,
        '--quiet',
        ...(encrypted ? ['--encrypt-pass-file', pass] : []),
      ];
      agentOk(args);
      mutate1(src);
      agentOk(args);
      mutate2(src);
      agentOk(args);
      const dest = path.join(dir, 'dest');
      stockRestore(store, dest, pass);
      assert.deepEqual(snapshotTree(dest), snapshotTree(src));
    });
  }

  it('restores a chain written by tar --listed-incremental', function () {
    const dir = fs.mkdtempSync(path.join(work, 'gnu-'));
    const src = path.join(dir, 'src');
    const snap = path.join(dir, 'snap');
    makeSampleTree(src);
    const chainName = 'gnuhost_gnu';
    const chainStart = Math.floor(Date.now() / 1000) - 100;
    const levels: number[] = [];
    const mutations = [() => {}, () => mutate1(src), () => mutate2(src)];
    mutations.forEach((mutateFn, level) => {
      mutateFn();
      const ts = chainStart + level * 10;
      levels.push(ts);
      const member = `${level}_${ts}`;
      const dataDir = path.join(dir, 'store', 'data', 'tar', chainName, String(chainStart), member);
      const metaDir = path.join(dir, 'store', 'metadata', 'tar', chainName, String(chainStart), member);
      fs.mkdirSync(dataDir, { recursive: true });
      fs.mkdirSync(metaDir, { recursive: true });
      const t = run(
        'tar',
        [
          '--create',
          '-z',
          '--warning=none',
          '--no-check-device',
          '--one-file-system',
          `--listed-incremental=${snap}`,
          '-f',
          path.join(dataDir, 'data'),
          '.',
        ],
        { cwd: src },
      );
      assert.equal(t.status, 0, t.stderr);
      fs.copyFileSync(snap, path.join(dataDir, 'engine_metadata'));
      fs.writeFileSync(path.join(metaDir, 'metadata'), '{"engine_name": "tar", "compression": "gzip", "encryption": false}');
    });
    const dest = path.join(dir, 'dest');
    agentOk([
      '--action',
      'restore',
      '--storage',
      'local',
      '--container',
      path.join(dir, 'store'),
      '--backup-name',
      'gnu',
      '--hostname',
      'gnuhost',
      '--restore-abs-path',
      dest,
    ]);
    assert.deepEqual(snapshotTree(dest), snapshotTree(src));
  });
});
