// info and admin through the CLI: the table and JSON listings, retention that keeps what kept
// backups need and the newest chain, and --dry-run that removes nothing.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { agentOk } from './helpers/agent.js';
import { snapshotTree, tempDir, write } from './helpers/tree.js';
import { formatLocalDate } from '../src/catalog/dates.js';

interface Row {
  backup: string;
  chain: number;
  level: number;
  timestamp: number;
  writer: string;
  files: number;
}

describe('info and admin', function () {
  let work: string;
  let store: string;
  let src: string;
  const common = () => ['--storage', 'local', '--container', store, '--backup-name', 'ret', '--hostname', 'h'];
  const info = (): Row[] => JSON.parse(agentOk(['--action', 'info', '--json', '--storage', 'local', '--container', store]).stdout);

  before(async function () {
    work = tempDir();
    store = path.join(work, 'store');
    src = path.join(work, 'src');
    for (let i = 0; i < 4; i++) {
      write(src, `f${i}.txt`, `version ${i}\n`);
      agentOk(['--action', 'backup', '-F', src, '--max-level', '1', '--quiet', ...common()]);
    }
    // Backups made within a second take the next free second: the newest may be ahead of the
    // clock, and a cutoff of "now" would not yet be past the first chain.
    const newest = Math.max(...info().map((r) => r.timestamp));
    while (Date.now() / 1000 <= newest + 1) await new Promise((r) => setTimeout(r, 100));
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('lists every backup with its chain and level', function () {
    const rows = info();
    assert.deepEqual(
      rows.map((r) => r.level),
      [0, 1, 0, 1],
    );
    assert.equal(new Set(rows.map((r) => r.chain)).size, 2);
    assert.ok(rows.every((r) => r.backup === 'h_ret' && r.writer === 'permafrost'));
    const table = agentOk(['--action', 'info', '--storage', 'local', '--container', store]).stdout;
    assert.match(table, /^h_ret +tar +0 /m);
    assert.match(table, /^4 backups in 2 chains, /m);
    assert.equal(table.trim().split('\n').length, 2 + 4 + 2);
  });

  it('admin --dry-run removes nothing', function () {
    const out = agentOk(['--action', 'admin', '--remove-older-than', '0', '--dry-run', ...common()]).stdout;
    assert.match(out, /would remove 2 backup/);
    assert.equal(info().length, 4);
  });

  it('admin removes old chains but never the newest one', function () {
    const newest = Math.max(...info().map((r) => r.timestamp));
    agentOk(['--action', 'admin', '--remove-from-date', formatLocalDate(newest + 60), ...common()]);
    const rows = info();
    assert.deepEqual(
      rows.map((r) => r.level),
      [0, 1],
    );
    const dest = path.join(work, 'dest');
    agentOk(['--action', 'restore', '--restore-abs-path', dest, ...common()]);
    assert.deepEqual(snapshotTree(dest), snapshotTree(src));
    assert.deepEqual(fs.readdirSync(path.join(store, 'data', 'tar', 'h_ret')), [String(rows[0].chain)]);
  });

  it('admin removes data that no metadata points to (a backup that failed), older than the cutoff and a day', function () {
    const now = Math.floor(Date.now() / 1000);
    const orphan = (ts: number) => path.join(store, 'data', 'tar', 'h_ret', String(ts), `0_${ts}`);
    for (const ts of [now - 40 * 86400, now - 3600]) {
      fs.mkdirSync(path.join(orphan(ts), 'segments'), { recursive: true });
      fs.writeFileSync(path.join(orphan(ts), 'segments', '00000000'), 'partial upload');
    }
    const before = info();
    const dry = agentOk(['--action', 'admin', '--remove-older-than', '0', '--dry-run', ...common()]);
    assert.match(dry.stdout, /would remove 1 incomplete backup\(s\) without metadata/);
    assert.ok(fs.existsSync(orphan(now - 40 * 86400)), 'the dry run removed nothing');
    const r = agentOk(['--action', 'admin', '--remove-older-than', '30', ...common()]);
    assert.match(
      r.stdout,
      new RegExp(`removed 1 incomplete backup\\(s\\) without metadata: data/tar/h_ret/${now - 40 * 86400}/0_${now - 40 * 86400}`),
    );
    assert.equal(fs.existsSync(orphan(now - 40 * 86400)), false);
    assert.ok(fs.existsSync(orphan(now - 3600)), 'an upload of the last day may still be running');
    assert.deepEqual(info(), before, 'complete backups are untouched');
  });
});
