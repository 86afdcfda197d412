// Acceptance 5: a flipped byte, a truncated data object and a wrong password each get their
// own exit code, and nothing lands in (or beside) the target directory.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { agent, agentOk } from './helpers/agent.js';
import { makeSampleTree, prng, tempDir, write } from './helpers/tree.js';
import { ExitCode } from '../src/base/errors.js';

function findObject(root: string, name: string): string {
  for (const e of fs.readdirSync(root, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name === name) return path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name);
  }
  throw new Error(`no ${name} under ${root}`);
}

describe('integrity failures', function () {
  let work: string;
  let src: string;
  const pass = () => path.join(work, 'pass');
  const wrong = () => path.join(work, 'wrong');

  before(function () {
    work = tempDir();
    src = path.join(work, 'src');
    makeSampleTree(src);
    write(src, 'big.bin', prng(600_000, 9));
    fs.writeFileSync(pass(), 'right password\n');
    fs.writeFileSync(wrong(), 'wrong password\n');
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  for (const encrypted of [false, true]) {
    describe(encrypted ? 'encrypted' : 'plain', function () {
      let store: string;
      const common = () => [
        '--storage',
        'local',
        '--container',
        store,
        '--backup-name',
        'int',
        '--hostname',
        'h',
        '--max-segment-size',
        '65536',
        '--compression',
        'none',
        ...(encrypted ? ['--encrypt-pass-file', pass()] : []),
      ];

      beforeEach(function () {
        store = fs.mkdtempSync(path.join(work, 'store-'));
        agentOk(['--action', 'backup', '--path-to-backup', src, ...common()]);
      });

      function restoreFails(expected: number, pattern: RegExp, extra: string[] = []): void {
        const parent = fs.mkdtempSync(path.join(work, 'restore-'));
        const dest = path.join(parent, 'dest');
        const r = agent(['--action', 'restore', '--restore-abs-path', dest, ...common(), ...extra]);
        assert.equal(r.status, expected, r.stderr);
        assert.match(r.stderr, pattern);
        assert.deepEqual(fs.readdirSync(parent), [], 'nothing may land in or beside the target');
      }

      it('reports a flipped byte with the integrity exit code', function () {
        const data = findObject(store, 'data');
        const fd = fs.openSync(data, 'r+');
        const b = Buffer.alloc(1);
        fs.readSync(fd, b, 0, 1, 100_000);
        b[0] ^= 0x40;
        fs.writeSync(fd, b, 0, 1, 100_000);
        fs.closeSync(fd);
        restoreFails(ExitCode.INTEGRITY, /SHA-256|damaged/);
      });

      it('reports a truncated data object with the integrity exit code', function () {
        const data = findObject(store, 'data');
        fs.truncateSync(data, fs.statSync(data).size - 1000);
        restoreFails(ExitCode.INTEGRITY, /truncated|damaged/);
      });

      if (encrypted) {
        it('reports a wrong password with the password exit code', function () {
          const args = ['--encrypt-pass-file', wrong()];
          restoreFails(ExitCode.PASSWORD, /wrong password/, args);
        });
        it('reports a missing password with the password exit code', function () {
          const parent = fs.mkdtempSync(path.join(work, 'restore-'));
          const r = agent([
            '--action',
            'restore',
            '--restore-abs-path',
            path.join(parent, 'd'),
            '--storage',
            'local',
            '--container',
            store,
            '--backup-name',
            'int',
            '--hostname',
            'h',
          ]);
          assert.equal(r.status, ExitCode.PASSWORD, r.stderr);
          assert.deepEqual(fs.readdirSync(parent), []);
        });
      }
    });
  }
});
