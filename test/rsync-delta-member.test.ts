// The rsync engine's restore of 'E' members (src/engines/rsync/delta-member.ts), plugged into
// the tar extractor as its member hook: the delta (made by stock rdiff here) is applied to the
// file the previous level left, never through a symlink, into a temp file that replaces it
// only when complete; a missing earlier version or a bad delta fails with an integrity error
// naming the member, and leaves the earlier version as it was.
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { extractTar } from '../src/engines/tar/index.js';
import { deltaMembers, DELTA_TYPEFLAG } from '../src/engines/rsync/index.js';
import { archive, chunked, member, removeDir, tempDir } from './tar-helpers.test.js';
import { rdiff } from './helpers/rdiff-fixtures.js';

const OLD = Buffer.from('the previous level wrote this file, line after line.\n'.repeat(400));
const NEW = Buffer.concat([OLD.subarray(0, 9000), Buffer.from('an edit in the middle'), OLD.subarray(9100)]);

describe("rsync engine: delta members restored through the tar extractor's hook", function () {
  let dir: string;
  let outside: string;
  let delta: Buffer;
  before(async () => {
    dir = await tempDir('delta-member');
    outside = await tempDir('delta-member-outside');
    const basis = path.join(dir, 'basis');
    await fsp.writeFile(basis, OLD);
    const sig = rdiff(['signature', basis]);
    const sigFile = path.join(dir, 'basis.sig');
    await fsp.writeFile(sigFile, sig);
    delta = rdiff(['delta', sigFile, '-'], NEW);
    assert.ok(delta.length < NEW.length / 4, 'the delta should COPY most of the basis');
  });
  after(async () => {
    await removeDir(dir);
    await removeDir(outside);
  });

  /** A target holding ./f as the previous level left it. */
  async function target(content: Buffer | null = OLD): Promise<string> {
    const t = await fsp.mkdtemp(path.join(dir, 't-'));
    if (content) await fsp.writeFile(path.join(t, 'f'), content);
    return t;
  }

  const deltaArchive = (data: Buffer) =>
    archive(member({ name: './f', typeflag: DELTA_TYPEFLAG, mode: 0o600, mtime: 1_650_000_000 }, data));

  async function extract(t: string, data: Buffer) {
    return extractTar(chunked(deltaArchive(data), 1000), t, { sameOwner: false, memberHook: deltaMembers });
  }

  /** Nothing but ./f: no temp file left beside it. */
  async function onlyF(t: string): Promise<void> {
    assert.deepEqual(await fsp.readdir(t), ['f']);
  }

  it("patches the earlier version: the new content, the header's mode and mtime, no temp file left", async () => {
    const t = await target();
    const stats = await extract(t, delta);
    assert.ok((await fsp.readFile(path.join(t, 'f'))).equals(NEW));
    const st = await fsp.stat(path.join(t, 'f'));
    assert.equal(st.mode & 0o7777, 0o600);
    assert.equal(st.mtimeMs, 1_650_000_000_000);
    assert.equal(stats.files, 1);
    assert.equal(stats.bytesWritten, NEW.length);
    await onlyF(t);
  });

  it("without the hook (a tar chain) an 'E' member is refused and the file left as it was", async () => {
    const t = await target();
    await assert.rejects(extractTar(chunked(deltaArchive(delta)), t, { sameOwner: false }), { code: 'ERR_NOT_SUPPORTED' });
    assert.ok((await fsp.readFile(path.join(t, 'f'))).equals(OLD));
  });

  it('refuses a delta with no earlier version to patch', async () => {
    const t = await target(null);
    await assert.rejects(extract(t, delta), {
      code: 'ERR_INTEGRITY',
      message: 'delta member "./f" has no earlier version to patch (restore its level 0 first)',
    });
    assert.deepEqual(await fsp.readdir(t), []);
  });

  it('never patches through a symlink: one in place of the earlier version is no earlier version', async () => {
    const t = await target(null);
    const secret = path.join(outside, 'secret');
    await fsp.writeFile(secret, OLD);
    await fsp.symlink(secret, path.join(t, 'f'));
    await assert.rejects(extract(t, delta), { code: 'ERR_INTEGRITY', message: /has no earlier version to patch/ });
    assert.ok((await fsp.readFile(secret)).equals(OLD));
    assert.equal(await fsp.readlink(path.join(t, 'f')), secret);
    assert.deepEqual(await fsp.readdir(outside), ['secret']);
  });

  const bad: Array<[string, () => Buffer, RegExp]> = [
    [
      'corrupt',
      () => Buffer.concat([delta.subarray(0, 4), Buffer.from([0x99])]),
      /^delta of "\.\/f" cannot be applied: reserved command byte 0x99 at delta offset 4$/,
    ],
    [
      'truncated',
      () => delta.subarray(0, delta.length - 1),
      /^delta of "\.\/f" cannot be applied: delta ends at offset \d+ before the END command$/,
    ],
    ['magic-less', () => Buffer.from('plain bytes, no magic'), /^delta of "\.\/f" cannot be applied: .*magic/i],
  ];
  for (const [name, make, message] of bad) {
    it(`a ${name} delta fails with an integrity error naming the member; the earlier version stays`, async () => {
      const t = await target();
      await assert.rejects(extract(t, make()), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'ERR_INTEGRITY', err.message);
        assert.match(err.message, message);
        return true;
      });
      assert.ok((await fsp.readFile(path.join(t, 'f'))).equals(OLD));
      await onlyF(t);
    });
  }

  it("an archive cut inside the delta fails with the reader's own error, not a patch error", async () => {
    const t = await target();
    const cut = deltaArchive(delta).subarray(0, 512 + 100);
    await assert.rejects(extractTar(chunked(cut, 64), t, { sameOwner: false, memberHook: deltaMembers }), {
      code: 'ERR_INTEGRITY',
      message: /^truncated tar archive: unexpected end of data in the data of "\.\/f"/,
    });
    assert.ok((await fsp.readFile(path.join(t, 'f'))).equals(OLD));
    await onlyF(t);
  });
});
