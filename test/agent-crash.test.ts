// Acceptance 7: `kill -9` at random points of a backup never leaves a backup that `info` lists
// or `restore` picks, and the next backup succeeds.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { AGENT, agentOk } from './helpers/agent.js';
import { makeSampleTree, prng, snapshotTree, tempDir, write } from './helpers/tree.js';

function backupKilledAfter(args: string[], ms: number): Promise<number | null> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [AGENT, ...args], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

describe('crash safety (kill -9 during backup)', function () {
  let work: string;
  before(() => {
    work = tempDir();
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('lists and restores only complete backups, and the next backup succeeds', async function () {
    const src = path.join(work, 'src');
    const store = path.join(work, 'store');
    makeSampleTree(src);
    for (let i = 0; i < 8; i++) write(src, `bulk/f${i}.bin`, prng(3_000_000, 100 + i));
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
      'k',
      '--hostname',
      'h',
      '--no-incremental',
      'true',
      '--compression',
      'gzip',
      '--quiet',
    ];
    const t0 = Date.now();
    agentOk(args);
    const full = Date.now() - t0;
    const completed = new Set<number>();
    const info = () =>
      JSON.parse(agentOk(['--action', 'info', '--json', '--storage', 'local', '--container', store]).stdout) as { timestamp: number }[];
    info().forEach((row) => completed.add(row.timestamp));
    for (let i = 0; i < 6; i++) {
      const before = new Set(info().map((r) => r.timestamp));
      const code = await backupKilledAfter(args, Math.round(((i + 0.5) / 6) * full));
      const after = info().map((r) => r.timestamp);
      const added = after.filter((t) => !before.has(t));
      if (code !== 0 && added.length > 0) {
        // The kill landed after `metadata` was published (between the last write and exit):
        // then the backup is complete and must restore, byte for byte, as the newest one.
        assert.equal(added.length, 1, `one killed run added ${added.length} backups`);
        const dest = path.join(work, `late-kill-${i}`);
        agentOk([
          '--action',
          'restore',
          '--storage',
          'local',
          '--container',
          store,
          '--backup-name',
          'k',
          '--hostname',
          'h',
          '--restore-abs-path',
          dest,
        ]);
        assert.deepEqual(snapshotTree(dest), snapshotTree(src), `a killed backup (exit ${code}) is listed but does not restore the tree`);
      }
      added.forEach((t) => completed.add(t));
      assert.deepEqual(new Set(after), completed);
    }
    agentOk(args);
    const dest = path.join(work, 'dest');
    agentOk([
      '--action',
      'restore',
      '--storage',
      'local',
      '--container',
      store,
      '--backup-name',
      'k',
      '--hostname',
      'h',
      '--restore-abs-path',
      dest,
    ]);
    assert.deepEqual(snapshotTree(dest), snapshotTree(src));
  });
});
