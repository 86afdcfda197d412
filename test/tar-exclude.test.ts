import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { compileExcludes } from '../src/engines/exclude.js';
import { backup, gnuTar, removeDir, tempDir, withoutAtimes } from './tar-helpers.test.js';

describe('exclude patterns', () => {
  it('match the whole name or any suffix after a slash, * crossing slashes', () => {
    const m = compileExcludes(['*.log', 'sub', 'a/b*', 'q?z', '[!x]y[0-9]', 'lit\\*']);
    const yes = ['./f.log', './d/e/f.log', './sub', './x/sub', './a/bcd', './z/a/b', 'sub', './qaz', './ay7', './lit*'];
    const no = ['./f.logx', './subx', './xsub', './a/c/bcd', './ab', './qz', './xy7', './litx', './ay'];
    for (const p of yes) assert.ok(m(p, false), `${p} should be excluded`);
    for (const p of no) assert.ok(!m(p, false), `${p} should not be excluded`);
    assert.ok(compileExcludes(['a*b'])('./a/x/b', true), '* matches /');
    assert.ok(!compileExcludes([])('./anything', false));
    assert.ok(compileExcludes(['[[:digit:]]x', '[a-c]'])('./7x', false));
    assert.ok(compileExcludes(['[]]'])('./]', false));
  });

  it('give the same archive as stock tar --exclude', async () => {
    const dir = await tempDir('exclude');
    try {
      const root = path.join(dir, 'tree');
      for (const rel of [
        'f.log',
        'keep',
        'sub/f',
        'sub/deep/g',
        'a/bcd/x',
        'a/bz',
        'a/other/k',
        'x.log.d/in',
        'deep/er/sub/z',
        'deep/x.log',
      ]) {
        await fsp.mkdir(path.dirname(path.join(root, rel)), { recursive: true });
        await fsp.writeFile(path.join(root, rel), rel);
      }
      for (const patterns of [['*.log'], ['sub'], ['a/b*'], ['*.log', 'sub', 'a/b*'], ['./keep', 'deep/*/sub'], ['[fk]*', '*/other']]) {
        const ours = await backup({ root, previousSnapshot: null, exclude: patterns });
        const args = patterns.flatMap((p) => ['--exclude', p]);
        const theirs = gnuTar([
          '--listed-incremental',
          path.join(dir, `s${Math.random()}`),
          '--no-check-device',
          ...args,
          '-cf',
          '-',
          '-C',
          root,
          '.',
        ]).stdout;
        assert.ok(withoutAtimes(ours.archive).equals(withoutAtimes(theirs)), `patterns ${patterns.join(' ')}`);
      }
    } finally {
      await removeDir(dir);
    }
  });
});
