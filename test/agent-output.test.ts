// What a person sees (issue 15), read off a real pseudo-terminal: the real CLI runs under
// util-linux `script`, slowed by bandwidth limits so the progress line is redrawn many times;
// the test splits the captured screen at each redraw (\r, ESC[K) and reads the frames and the
// summary. Without a TTY, Freezer's property table is printed as before, for scripts.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { AGENT, agentOk } from './helpers/agent.js';
import { snapshotTree, tempDir } from './helpers/tree.js';
import { formatBytes } from '../src/base/human.js';

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs the agent on a pseudo-terminal 160 columns wide; returns its exit status and the screen bytes. */
function onTty(args: string[]): { status: number; screen: string } {
  const cmd = [process.execPath, AGENT, ...args].map(quote).join(' ');
  const r = spawnSync('script', ['-qfec', `stty cols 160 rows 50; exec ${cmd}`, '/dev/null'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, screen: r.stdout };
}

/** The screen cut at every carriage return and erase-line: each redraw is one piece. */
// eslint-disable-next-line no-control-regex -- ESC [ K: the progress line's erase-to-end-of-line
const pieces = (screen: string) => screen.split(/\r|\x1b\[K/).map((p) => p.replace(/\n$/, ''));

interface Frame {
  percent: number;
  eta: string | null;
  files: number;
  text: string;
}

function frames(screen: string, label: string): Frame[] {
  return pieces(screen)
    .filter((p) => p.startsWith(`${label}: [`) && /\d%/.test(p))
    .map((text) => ({
      text,
      percent: Number(/ (\d+(?:\.\d)?)%/.exec(text)![1]),
      eta: /ETA (\d+:\d\d)/.exec(text)?.[1] ?? null,
      files: Number(/ (\d+)(?: \/ \d+)? files/.exec(text)?.[1] ?? NaN),
    }));
}

/** The percentage and the ETA moved across redraws, and never went back. */
function assertMoving(fs: Frame[], what: string): void {
  const percents = fs.map((f) => f.percent);
  assert.ok(new Set(percents).size >= 4, `${what}: the percentage moved (${percents.join(' ')})`);
  assert.deepEqual(
    percents,
    [...percents].sort((a, b) => a - b),
    `${what}: the percentage never goes back`,
  );
  const etas = new Set(fs.map((f) => f.eta).filter((e) => e !== null));
  assert.ok(etas.size >= 2, `${what}: the ETA moved (${[...etas].join(' ')})`);
}

describe('output a person can read (TTY) and scripts can parse (pipes)', function () {
  let work: string;
  let src: string;
  let store: string;
  const common = () => ['--storage', 'local', '--container', store, '--backup-name', 'out', '--hostname', 'h'];

  before(async function () {
    work = tempDir();
    src = path.join(work, 'src');
    store = path.join(work, 'store');
    fs.mkdirSync(src);
    // 16 MB that does not compress, in 8 files so the file count moves too.
    for (let i = 0; i < 8; i++) fs.writeFileSync(path.join(src, `part${i}`), randomBytes(2_000_000));
    // Older than level 0's snapshot time (taken 100 ms early), so level 1 sees them unchanged.
    await new Promise((r) => setTimeout(r, 250));
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('backup on a TTY: the percentage and ETA move, the line is cleared, the summary ends it', function () {
    const r = onTty([
      '--action',
      'backup',
      '-F',
      src,
      '--compression',
      'none',
      '--upload-limit',
      '4M',
      '--max-segment-size',
      '1M',
      ...common(),
    ]);
    assert.equal(r.status, 0, r.screen);
    const fs_ = frames(r.screen, 'backup level 0');
    assertMoving(fs_, 'backup');
    const running = fs_.filter((f) => !f.text.includes('finishing'));
    assert.ok(
      running.every((f) => / \/ 16\.0 MB /.test(f.text) && / \/ 8 files/.test(f.text)),
      'totals from the scan on every frame',
    );
    assert.ok(
      fs_.some((f) => f.files > 0 && f.files < 8),
      'the file count moves while the data is stored',
    );
    // The line is erased before the summary, not left above it.
    const summary = r.screen.slice(r.screen.lastIndexOf('\x1b[K') + 3);
    assert.match(summary, /^Backup: +h_out level 0 \(a new chain\), tar engine\r?\n/);
    assert.match(summary, /^Files: +8 new, 0 changed, 0 unchanged, 0 removed \(not counting directories\)\r?$/m);
    assert.match(summary, /^Read: +16\.0 MB in 8 files and 1 directory\r?$/m);
    assert.match(summary, /^Stored: +16\.0 MB \(ratio 1\.00:1, none\)\r?$/m);
    assert.match(summary, /^Duration: +[\d.]+ s, [\d.]+ MB\/s\r?$/m);
    assert.match(summary, new RegExp(`^Saved to: +local:${store} \\(metadata/tar/h_out/\\d+/0_\\d+\\)\\r?$`, 'm'));
    assert.doesNotMatch(r.screen, /Property/, 'no Freezer table on a TTY without --verbose');
  });

  it('restore on a TTY: the percentage, ETA and file count move, then it says what it restored', function () {
    const dest = path.join(work, 'dest');
    const r = onTty(['--action', 'restore', '--restore-abs-path', dest, '--download-limit', '4M', ...common()]);
    assert.equal(r.status, 0, r.screen);
    const fs_ = frames(r.screen, 'restore');
    assertMoving(fs_, 'restore');
    assert.ok(
      fs_.some((f) => f.files > 0 && f.files < 8),
      `the file count moves before the end (${fs_.map((f) => f.files).join(' ')})`,
    );
    const summary = r.screen.slice(r.screen.lastIndexOf('\x1b[K') + 3);
    assert.match(summary, /^Restored: +h_out, the backup of \d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d \(level 0, tar engine\)\r?\n/);
    assert.match(summary, new RegExp(`^Into: +${dest}\\r?$`, 'm'));
    assert.match(summary, /^Extracted: +8 files over 1 level, 1 directory, 16\.0 MB written\r?$/m);
    assert.deepEqual(snapshotTree(dest), snapshotTree(src));
  });

  it('an increment counts what is new, changed, unchanged and removed', function () {
    fs.writeFileSync(path.join(src, 'part0'), 'changed');
    fs.rmSync(path.join(src, 'part1'));
    fs.writeFileSync(path.join(src, 'new'), 'new');
    const r = onTty(['--action', 'backup', '-F', src, ...common()]);
    assert.equal(r.status, 0, r.screen);
    assert.match(r.screen, /Backup: +h_out level 1 \(increment of level 0 of \d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d\), tar engine/);
    assert.match(r.screen, /Files: +1 new, 1 changed, 6 unchanged, 1 removed \(not counting directories\)/);
    assert.match(r.screen, /Read: +10 B in 2 files and 1 directory/);
  });

  it('without a TTY the Freezer property table is printed as before; with --verbose on a TTY, the table too', function () {
    const piped = agentOk(['--action', 'backup', '-F', src, ...common()]).stdout;
    assert.match(piped, /^\+-+\+-+\+\n\| Property +\| Value +\|\n/);
    assert.match(piped, /^\| curr backup level +\| 2 +\|$/m);
    assert.match(piped, /^\| backup name +\| out +\|$/m);
    assert.doesNotMatch(piped, /^Backup:/m, 'no summary for scripts');

    const verbose = onTty(['--action', 'backup', '-F', src, '--verbose', ...common()]);
    assert.equal(verbose.status, 0, verbose.screen);
    assert.match(verbose.screen, /\| curr backup level +\| 3 +\|/);
    assert.match(verbose.screen, /Backup: +h_out level 3 /);

    const quiet = onTty(['--action', 'backup', '-F', src, '--quiet', ...common()]);
    assert.equal(quiet.status, 0, quiet.screen);
    assert.equal(quiet.screen, '', '--quiet prints nothing, not even the progress line');
  });

  it('info: human sizes, local times with their offset, chains as indented levels, a totals line; --json unchanged', function () {
    const json = agentOk(['--action', 'info', '--json', '--storage', 'local', '--container', store]).stdout;
    const rows = JSON.parse(json) as Record<string, unknown>[];
    assert.deepEqual(
      rows.map((r) => Object.keys(r)),
      rows.map(() => [
        'engine',
        'backup',
        'chain',
        'level',
        'timestamp',
        'date',
        'compression',
        'encrypted',
        'stored_bytes',
        'files',
        'writer',
      ]),
    );
    assert.ok(
      rows.every((r) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(r.date as string)),
      'dates in --json as before',
    );
    assert.deepEqual(
      rows.map((r) => r.level),
      [0, 1, 2, 3, 4],
    );
    assert.equal(json, `${JSON.stringify(rows)}\n`);

    const table = agentOk(['--action', 'info', '--storage', 'local', '--container', store]).stdout.trimEnd().split('\n');
    assert.match(table[0], /^Backup +Engine +Level +Date +Stored +Files +Compression +Encrypted +Writer$/);
    assert.match(table[1], /^-+$/);
    const body = table.slice(2, 7);
    const levelCells = body.map((l) => /^h_out {3}tar {5}( *\d) /.exec(l)?.[1]);
    assert.deepEqual(levelCells, ['0', '  1', '    2', '      3', '        4'], 'each increment indented under its parent');
    assert.ok(
      body.every((l) => / \d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d\d:\d\d /.test(l)),
      'times with their zone',
    );
    assert.match(body[0], / 16\.0 MB +8 +none +no +permafrost$/);
    assert.match(table[7], /^-+$/);
    const total = rows.reduce((a, r) => a + (r.stored_bytes as number), 0);
    assert.equal(table[8], `5 backups in 1 chain, ${formatBytes(total)} stored`);
    assert.equal(table.length, 9);
  });
});
