// Acceptance 1 as a suite any test file can run with its own options: L0 → mutate → L1 →
// mutate → L2 through the CLI; the latest restore is the final tree, --restore-from-date gives
// the L1 tree. `base` (called in the suite's `before`) is where its work directory is made.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { agent, agentOk } from './agent.js';
import { makeSampleTree, mutate1, mutate2, snapshotTree, TreeSnapshot } from './tree.js';
import { formatLocalDate } from '../../src/catalog/dates.js';

interface Level {
  ts: number;
  level: number;
  tree: TreeSnapshot;
}

export function mutationSuite(extra: string[], label: string, base: () => string = () => os.tmpdir()): void {
  describe(`mutation suite (${label})`, function () {
    let work: string;
    let src: string;
    let store: string;
    const levels: Level[] = [];
    const common = () => [
      '--mode',
      'fs',
      '--storage',
      'local',
      '--container',
      store,
      '--backup-name',
      'mut',
      '--hostname',
      'testhost',
      ...extra,
    ];

    function backup(): Level {
      const out = path.join(work, `meta-${levels.length}.json`);
      agentOk(['--action', 'backup', '--path-to-backup', src, '--metadata-out', out, ...common()]);
      const meta = JSON.parse(fs.readFileSync(out, 'utf8'));
      const lvl = { ts: meta.time_stamp, level: meta.curr_backup_level, tree: snapshotTree(src) };
      levels.push(lvl);
      return lvl;
    }

    before(function () {
      work = fs.mkdtempSync(path.join(base(), 'pf-test-'));
      src = path.join(work, 'src');
      store = path.join(work, 'store');
      fs.mkdirSync(src);
      makeSampleTree(src);
      assert.equal(backup().level, 0);
      mutate1(src);
      assert.equal(backup().level, 1);
      mutate2(src);
      assert.equal(backup().level, 2);
    });
    after(() => fs.rmSync(work, { recursive: true, force: true }));

    it('restores the latest level to exactly the final tree', function () {
      const dest = path.join(work, 'r-latest');
      agentOk(['--action', 'restore', '--restore-abs-path', dest, ...common()]);
      assert.deepEqual(snapshotTree(dest), levels[2].tree);
    });

    it('restores the L1 tree with --restore-from-date at L1', function () {
      const dest = path.join(work, 'r-l1');
      agentOk(['--action', 'restore', '--restore-abs-path', dest, '--restore-from-date', formatLocalDate(levels[1].ts), ...common()]);
      assert.deepEqual(snapshotTree(dest), levels[1].tree);
    });

    it('refuses a non-empty target without --overwrite, and replaces it with --overwrite', function () {
      const dest = path.join(work, 'r-busy');
      fs.mkdirSync(dest);
      fs.writeFileSync(path.join(dest, 'stray.txt'), 'stray');
      const refused = agent(['--action', 'restore', '--restore-abs-path', dest, ...common()]);
      assert.equal(refused.status, 11, refused.stderr);
      assert.match(refused.stderr, /not empty/);
      assert.deepEqual(fs.readdirSync(dest), ['stray.txt']);
      agentOk(['--action', 'restore', '--restore-abs-path', dest, '--overwrite', ...common()]);
      assert.deepEqual(snapshotTree(dest), levels[2].tree);
    });
  });
}
