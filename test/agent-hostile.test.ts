// Acceptance 6: archives with `..` names, absolute names, or a symlink followed by a write
// through it are refused with a clear error; nothing is written outside the target.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { agent } from './helpers/agent.js';
import { rawTar, RawEntry } from './helpers/rawtar.js';
import { tempDir } from './helpers/tree.js';
import { ExitCode } from '../src/base/errors.js';

/** Stores `tarBytes` as a Freezer-layout level 0 (gzip, unencrypted) and tries to restore it. */
function restoreHostile(work: string, entries: RawEntry[]) {
  const store = fs.mkdtempSync(path.join(work, 'store-'));
  const member = path.join('tar', 'h_evil', '1700000000', '0_1700000000');
  fs.mkdirSync(path.join(store, 'data', member), { recursive: true });
  fs.mkdirSync(path.join(store, 'metadata', member), { recursive: true });
  fs.writeFileSync(path.join(store, 'data', member, 'data'), gzipSync(rawTar(entries)));
  fs.writeFileSync(path.join(store, 'metadata', member, 'metadata'), '{"engine_name": "tar", "compression": "gzip", "encryption": false}');
  const parent = fs.mkdtempSync(path.join(work, 'restore-'));
  const r = agent([
    '--action',
    'restore',
    '--storage',
    'local',
    '--container',
    store,
    '--backup-name',
    'evil',
    '--hostname',
    'h',
    '--restore-abs-path',
    path.join(parent, 'dest'),
  ]);
  return { r, parent };
}

describe('hostile archives', function () {
  let work: string;
  let outside: string;
  beforeEach(() => {
    work = tempDir();
    outside = tempDir('pf-outside-');
  });
  afterEach(() => {
    fs.rmSync(work, { recursive: true, force: true });
    fs.rmSync(outside, { recursive: true, force: true });
  });

  const evil = Buffer.from('pwned\n');
  const cases: [string, (outside: string) => RawEntry[]][] = [
    ['a ".." name', (o) => [{ name: `../../../../../../../..${o}/dotdot`, type: '0', data: evil }]],
    ['an absolute name', (o) => [{ name: `${o}/absolute`, type: '0', data: evil }]],
    [
      'a symlink followed by a write through it',
      (o) => [
        { name: './link', type: '2', linkname: o },
        { name: './link/through', type: '0', data: evil },
      ],
    ],
    ['a hard link to a file outside', (o) => [{ name: './hl', type: '1', linkname: `${o}/victim` }]],
    ['a ".." hidden in the middle of a name', (o) => [{ name: `./a/../../../../../../../../..${o}/middle`, type: '0', data: evil }]],
  ];

  for (const [label, build] of cases) {
    it(`refuses ${label}`, function () {
      fs.writeFileSync(path.join(outside, 'victim'), 'original');
      const { r, parent } = restoreHostile(work, build(outside));
      assert.equal(r.status, ExitCode.UNSAFE_ARCHIVE, `exit ${r.status}: ${r.stderr}`);
      assert.match(r.stderr, /unsafe|outside|refus/i);
      assert.deepEqual(fs.readdirSync(outside), ['victim']);
      assert.equal(fs.readFileSync(path.join(outside, 'victim'), 'utf8'), 'original');
      assert.deepEqual(fs.readdirSync(parent), [], 'a refused restore leaves no target behind');
    });
  }
});
