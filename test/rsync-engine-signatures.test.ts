// The rsync engine's signatures: a file stored whole is signed by the tar writer's native fast
// path from the bytes it archives (native/core/tar_files.cc), a file stored as a delta or left
// to the general path (hard links, long names) by the diff library. Either way, every
// signature in the manifest must be byte-identical to librsync's `rdiff signature` with the
// engine's parameters, and a file that changes while the fast path reads it gets none.
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { native, TarEntryKind, TarFillStop } from '../src/native.js';
import { createRsyncBackup, parseManifest } from '../src/engines/rsync/index.js';
import { createTarBackup } from '../src/engines/tar/index.js';
import { prng, rdiff } from './helpers/rdiff-fixtures.js';
import { collect, removeDir, tempDir, withoutAtimes, writeUnder } from './tar-helpers.test.js';

const BLOCK = 4096;

/** Sizes around signature-block and 1 MiB chunk edges, many small files, and files the fast path leaves. */
async function populate(root: string): Promise<void> {
  const sizes = [0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 4 * BLOCK, 4 * BLOCK + 7, 65_536, 65_537, (1 << 20) - 512, (1 << 20) + 1];
  for (const [i, size] of sizes.entries()) await writeUnder(root, `sizes/f${size}`, prng(size, 100 + i));
  await writeUnder(root, 'big/five', prng(5 * (1 << 20) + 4321, 7));
  for (let i = 0; i < 300; i++) await writeUnder(root, `many/${String(i).padStart(3, '0')}`, prng(1000 + ((i * 7919) % 20_000), 1000 + i));
  await writeUnder(root, `names/${'l'.repeat(120)}`, prng(9000, 3));
  await writeUnder(root, 'links/a', prng(12_345, 4));
  await fsp.link(path.join(root, 'links/a'), path.join(root, 'links/b'));
  await fsp.symlink('a', path.join(root, 'links/sym'));
}

async function rsyncLevel(root: string, previousManifest: Buffer | null) {
  const run = createRsyncBackup({ root, previousManifest, blockLength: BLOCK, userNames: false });
  const archive = await collect(run.stream);
  return { archive, ...(await run.result) };
}

/**
 * `rdiff signature` of every regular file under root, as the engine names them (`./a/b`);
 * a later name of a hard link is a link member, with no signature of its own.
 */
async function rdiffSignatures(root: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const inodes = new Set<number>();
  for (const rel of (await fsp.readdir(root, { recursive: true })).sort()) {
    const abs = path.join(root, rel);
    const st = await fsp.lstat(abs);
    if (!st.isFile() || inodes.has(st.ino)) continue;
    inodes.add(st.ino);
    out.set(`./${rel}`, rdiff(['-b', String(BLOCK), '--sum-size=-1', '-H', 'blake2', '-R', 'rabinkarp', 'signature', abs]));
  }
  return out;
}

function assertSameSignatures(actual: Map<string, Buffer>, expected: Map<string, Buffer>): void {
  assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort());
  for (const [name, sig] of expected) assert.ok(actual.get(name)!.equals(sig), `signature of ${name} differs from rdiff's`);
}

describe('rsync engine signatures', function () {
  let work: string;
  before(async () => {
    work = await tempDir('pf-rsync-sig-');
  });
  after(() => removeDir(work));

  it('signs every file of a level 0 as rdiff does, in an archive identical to the tar engine', async function () {
    const root = path.join(work, 'l0');
    await populate(root);
    const l0 = await rsyncLevel(root, null);
    const manifest = parseManifest(l0.manifest, 'level 0');
    assert.equal(manifest.magic, 'rk-blake2');
    assert.equal(manifest.blockLength, BLOCK);
    assertSameSignatures(manifest.signatures, await rdiffSignatures(root));
    assert.equal(l0.deltas, 0);
    assert.deepEqual(l0.stats.warnings, []);

    const tar = createTarBackup({ root, userNames: false, nativeFiles: false });
    const tarArchive = await collect(tar.stream);
    assert.ok(withoutAtimes(l0.archive).equals(withoutAtimes(tarArchive)), 'the rsync level 0 archive differs from the tar engine');
  });

  it('signs new and changed files of a level 1 as rdiff does, stores the changed one as a delta, carries over the rest', async function () {
    const root = path.join(work, 'l1');
    await populate(root);
    // Older than the level 0's snapshot time (it starts 100 ms early): unchanged at level 1.
    await sleep(300);
    const l0 = await rsyncLevel(root, null);
    const big = path.join(root, 'big/five');
    const changed = Buffer.from(await fsp.readFile(big));
    prng(100, 9).copy(changed, 2 * (1 << 20));
    await fsp.writeFile(big, changed);
    await writeUnder(root, 'new/file', prng(70_000, 11));
    await writeUnder(root, 'many/new', prng(3000, 12));
    const l1 = await rsyncLevel(root, l0.manifest);
    assert.equal(l1.deltas, 1);
    assertSameSignatures(parseManifest(l1.manifest, 'level 1').signatures, await rdiffSignatures(root));
  });

  it('gives no signature to a file that changes while the fast path reads it', async function () {
    const root = path.join(work, 'racing');
    await writeUnder(root, 'grows', prng(64 * 1024, 1));
    await writeUnder(root, 'rewritten', prng(64 * 1024, 2));
    await writeUnder(root, 'still', prng(64 * 1024, 3));
    // A ctime after the creation's, whatever the kernel clock's tick.
    await sleep(50);
    const dumper = new native.TarDumper([], [], [], [], {
      followSymlinks: false,
      trackHardLinks: true,
      ignoreFailedRead: false,
      dirs: [root],
      prefixes: ['./'],
      entryDirs: Uint32Array.from([0, 0, 0]),
      names: 'grows\0rewritten\0still\0',
      kinds: Uint8Array.from([TarEntryKind.File, TarEntryKind.File, TarEntryKind.File]),
      signature: { magic: 'rk-blake2', blockLength: BLOCK, strongLength: -1 },
    });
    const chunk = Buffer.alloc(16 * 1024);
    const signed = new Map<number, Buffer>();
    const unsigned: number[] = [];
    const warnings: string[] = [];
    const touched = new Set<number>();
    for (;;) {
      const [, next, stop, , , , w, error, signedPairs, signatures, unsignedEntries] = await dumper.fill(chunk, 0);
      assert.notEqual(stop, TarFillStop.Error, error);
      warnings.push(...w);
      for (let i = 0, start = 0; i < signedPairs.length; start = signedPairs[i + 1], i += 2) {
        signed.set(signedPairs[i], Buffer.from(signatures.subarray(start, signedPairs[i + 1])));
      }
      unsigned.push(...unsignedEntries);
      if (stop === TarFillStop.Done) break;
      // Each file spans several chunks: change it once its first chunk is read.
      if (next === 0 && !touched.has(0)) await fsp.appendFile(path.join(root, 'grows'), 'more');
      if (next === 1 && !touched.has(1)) await fsp.writeFile(path.join(root, 'rewritten'), prng(64 * 1024, 5));
      touched.add(next);
    }
    assert.deepEqual(unsigned, [0, 1]);
    assert.deepEqual([...signed.keys()], [2]);
    assert.ok(signed.get(2)!.equals(rdiff(['-b', String(BLOCK), '--sum-size=-1', 'signature', path.join(root, 'still')])));
    assert.deepEqual(warnings, ['./grows: file changed as we read it (grew; cut to 65536 bytes)']);
  });
});
