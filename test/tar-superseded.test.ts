// The restore plan of issue 18: which members of a chain's levels need not be written. Chains
// are made by stock GNU tar over real trees; the plan is checked name by name, and a property
// test restores random chains twice with stock tar, once in full and once from archives with
// the skipped members taken out, and compares the trees.
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { BLOCK_SIZE, parseSnapshot, type Snapshot } from '../src/engines/tar/index.js';
import { memberKey, planSuperseded } from '../src/engines/tar/superseded.js';

/** The skip sets of the plan, or null when nothing may be skipped. */
const supersededMembers = (snapshots: readonly (Snapshot | null)[]) => planSuperseded(snapshots)?.skip ?? null;
import { archiveHeaders, gnuTar, removeDir, tempDir, treeState, writeUnder } from './tar-helpers.test.js';

/** A chain of GNU tar levels over `root`, each level's snapshot kept apart. */
class GnuChain {
  readonly root: string;
  readonly archives: string[] = [];
  readonly snapshots: Snapshot[] = [];
  private readonly snap: string;

  constructor(readonly dir: string) {
    this.root = path.join(dir, 'tree');
    this.snap = path.join(dir, 'snap');
  }

  async level(extra: string[] = []): Promise<void> {
    const archive = path.join(this.dir, `l${this.archives.length}.tar`);
    gnuTar(['--listed-incremental', this.snap, '--no-check-device', ...extra, '-cf', archive, '-C', this.root, '.']);
    this.archives.push(archive);
    this.snapshots.push(parseSnapshot(await fsp.readFile(this.snap))!);
    // A change must come after the level's start by more than a tick of the kernel's coarse
    // clock, which stamps ctimes, or tar could take it for one the level already saw.
    await new Promise((r) => setTimeout(r, 30));
  }

  /** Extracts every level, or every level without its skipped members, into `target`. */
  async restore(target: string, skip?: Set<string>[]): Promise<void> {
    await fsp.mkdir(target);
    for (let i = 0; i < this.archives.length; i++) {
      let file = this.archives[i];
      if (skip && skip[i].size > 0) {
        file = path.join(this.dir, `filtered-${path.basename(target)}-${i}.tar`);
        await fsp.writeFile(file, withoutMembers(await fsp.readFile(this.archives[i]), skip[i]));
      }
      gnuTar(['--incremental', '-xf', file, '-C', target]);
    }
  }
}

/** The archive without the non-directory members whose keys are in `skip`. */
function withoutMembers(archive: Buffer, skip: ReadonlySet<string>): Buffer {
  const kept: Buffer[] = [];
  for (const { offset, header } of archiveHeaders(archive)) {
    const hasData = !['1', '2', '3', '4', '6'].includes(header.typeflag);
    const end = offset + BLOCK_SIZE + (hasData ? Math.ceil(header.size / BLOCK_SIZE) * BLOCK_SIZE : 0);
    const directory = header.typeflag === 'D' || header.typeflag === '5';
    if (!directory && skip.has(memberKey(header.name))) continue;
    kept.push(archive.subarray(offset, end));
  }
  return Buffer.concat([...kept, Buffer.alloc(10240)]);
}

/** Non-directory member keys of an archive, with the hard links' targets. */
function members(archive: Buffer): { names: Set<string>; links: Array<[string, string]> } {
  const names = new Set<string>();
  const links: Array<[string, string]> = [];
  for (const { header } of archiveHeaders(archive)) {
    if (header.typeflag === 'D' || header.typeflag === '5') continue;
    names.add(memberKey(header.name));
    if (header.typeflag === '1') links.push([memberKey(header.name), memberKey(header.linkname)]);
  }
  return { names, links };
}

function sorted(sets: readonly Set<string>[]): string[][] {
  return sets.map((s) => [...s].sort());
}

describe('tar restore plan: members a later level supersedes', function () {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir('superseded');
  });
  afterEach(async () => {
    await removeDir(dir);
  });

  it('normalizes member names to keys', () => {
    assert.equal(memberKey('./sub/file.txt'), 'sub/file.txt');
    assert.equal(memberKey('sub//file.txt'), 'sub/file.txt');
    assert.equal(memberKey('./sub/'), 'sub');
    assert.equal(memberKey('./'), '');
    assert.throws(() => memberKey('../x'));
  });

  it('skips what a later level writes again, deletes or turns into a directory', async () => {
    const chain = new GnuChain(dir);
    const t = chain.root;
    for (const f of ['a.txt', 'b.txt', 'c.txt', 'sub/f1', 'sub/f2', 'gone/x', 'keep/k']) await writeUnder(t, f, `0 ${f}`);
    await chain.level();
    await writeUnder(t, 'a.txt', '1 a');
    await fsp.rm(path.join(t, 'b.txt'));
    await writeUnder(t, 'new.txt', '1 new');
    await writeUnder(t, 'sub/f1', '1 f1');
    await fsp.rm(path.join(t, 'gone'), { recursive: true });
    await chain.level();
    await writeUnder(t, 'a.txt', '2 a');
    await fsp.rm(path.join(t, 'new.txt'));
    await writeUnder(t, 'sub/f2', '2 f2');
    await fsp.rm(path.join(t, 'c.txt'));
    await writeUnder(t, 'c.txt/inner', '2 inner');
    await chain.level();

    const plan = planSuperseded(chain.snapshots)!;
    assert.deepEqual(sorted(plan.skip), [['a.txt', 'b.txt', 'c.txt', 'gone/x', 'sub/f1', 'sub/f2'], ['a.txt', 'new.txt'], []]);
    assert.deepEqual(sorted(plan.needed), [[], ['sub/f1'], ['a.txt', 'sub/f2']]);
    assert.deepEqual(supersededMembers(chain.snapshots), plan.skip);
    // Two levels of the same chain: level 1 is now the last, and keeps what it has.
    assert.deepEqual(sorted(supersededMembers(chain.snapshots.slice(0, 2))!), [['a.txt', 'b.txt', 'gone/x', 'sub/f1'], []]);

    const full = path.join(dir, 'full');
    const skipping = path.join(dir, 'skipping');
    await chain.restore(full);
    await chain.restore(skipping, plan.skip);
    assert.deepEqual(await treeState(skipping), await treeState(full));
    assert.equal(await fsp.readFile(path.join(skipping, 'c.txt', 'inner'), 'utf8'), '2 inner');
  });

  it('keeps a file under a directory a later level excludes (listed N, no record: never purged)', async () => {
    const chain = new GnuChain(dir);
    await writeUnder(chain.root, 'x/f', '0 f');
    await writeUnder(chain.root, 'y/g', '0 g');
    await chain.level();
    await chain.level(['--exclude=./x']);
    const last = chain.snapshots[1];
    assert.equal(
      last.directories.find((d) => d.name === './x'),
      undefined,
      'the excluded directory has no record',
    );
    assert.deepEqual(sorted(supersededMembers(chain.snapshots)!), [[], []]);
    const full = path.join(dir, 'full');
    await chain.restore(full);
    assert.equal(await fsp.readFile(path.join(full, 'x', 'f'), 'utf8'), '0 f');
  });

  it('plans nothing for a renamed directory, a missing snapshot or an inode listed twice', async () => {
    const chain = new GnuChain(dir);
    await writeUnder(chain.root, 'sub/f', '0 f');
    await writeUnder(chain.root, 'other/g', '0 g');
    await chain.level();
    await writeUnder(chain.root, 'other/g', '1 g');
    await chain.level();
    assert.notEqual(supersededMembers(chain.snapshots), null);
    await fsp.rename(path.join(chain.root, 'sub'), path.join(chain.root, 'renamed'));
    await chain.level();
    assert.equal(supersededMembers(chain.snapshots), null);
    assert.notEqual(supersededMembers(chain.snapshots.slice(0, 2)), null);

    assert.equal(supersededMembers([chain.snapshots[0], null]), null);
    assert.equal(supersededMembers([null]), null);
    const twice = structuredClone(chain.snapshots[0]);
    const root = twice.directories.find((d) => d.name === '.')!;
    twice.directories.find((d) => d.name === './sub')!.ino = root.ino;
    assert.equal(supersededMembers([twice]), null);
    const dup = structuredClone(chain.snapshots[0]);
    dup.directories.push(structuredClone(dup.directories[0]));
    dup.directories.at(-1)!.ino = 1n;
    assert.equal(supersededMembers([dup]), null);
  });

  it('restores random chains to the same tree with and without the skipped members', async () => {
    let seed = 18;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const dirs = ['', 'd1', 'd2', 'd1/d3'];
    const names = ['f1', 'f2', 'f3', 'd1', 'd2', 'd3'];
    const pick = () => {
      const d = dirs[random(dirs.length)];
      const n = names[random(names.length)];
      return d === '' ? n : `${d}/${n}`;
    };
    let planned = 0;
    let skipped = 0;
    let redone = 0;
    for (let run = 0; run < 10; run++) {
      const chain = new GnuChain(path.join(dir, `run${run}`));
      await fsp.mkdir(chain.dir);
      for (const f of ['f1', 'd1/f1', 'd1/d3/f2', 'd2/f3']) await writeUnder(chain.root, f, `init ${f}`);
      for (let level = 0; level < 4; level++) {
        if (level > 0) for (let m = 0; m < 6; m++) await mutate(chain.root, pick(), pick(), random(8), `${run}.${level}.${m}`);
        await chain.level();
      }
      const plan = planSuperseded(chain.snapshots);
      if (!plan) continue;
      planned++;
      const skip = plan.skip.map((s) => new Set(s));
      for (let i = 0; i < chain.archives.length; i++) {
        const { names: held, links } = members(await fsp.readFile(chain.archives[i]));
        for (const p of plan.needed[i]) assert.ok(held.has(p), `run ${run}: level ${i} holds no member for needed ${p}`);
        // The extractor's fallback: a hard link to a skipped target redoes the level in full.
        if (links.some(([name, target]) => !skip[i].has(name) && skip[i].has(target))) {
          skip[i] = new Set();
          redone++;
        }
        skipped += skip[i].size;
      }
      const full = path.join(chain.dir, 'full');
      const skipping = path.join(chain.dir, 'skipping');
      await chain.restore(full);
      await chain.restore(skipping, skip);
      const state = await treeState(full);
      assert.deepEqual(await treeState(skipping), state, `run ${run}`);
      // Each file of the final tree is written by exactly one level: the one not skipping it.
      for (const [rel, node] of Object.entries(state)) {
        if (node.type === 'dir') continue;
        const writers: Snapshot[] = chain.snapshots.filter((s, i) => dumped(s, rel) && !plan.skip[i].has(rel));
        assert.equal(writers.length, 1, `run ${run}: ${rel} written by ${writers.length} levels`);
      }
    }
    assert.ok(planned >= 5, `only ${planned} of 10 chains planned`);
    assert.ok(skipped >= 20, `only ${skipped} members skipped (${redone} levels redone for hard links)`);
  });
});

function dumped(s: Snapshot, rel: string): boolean {
  const slash = rel.lastIndexOf('/');
  const dirName = slash === -1 ? '.' : `./${rel.slice(0, slash)}`;
  const name = rel.slice(slash + 1);
  return s.directories.some((d) => d.name === dirName && d.entries.some((e) => e.letter === 'Y' && e.name === name));
}

/** One random change at `rel` (`other` for links and renames). */
async function mutate(root: string, rel: string, other: string, op: number, content: string): Promise<void> {
  const abs = path.join(root, rel);
  const to = path.join(root, other);
  const exists = async (p: string) =>
    fsp.lstat(p).then(
      (st) => st,
      () => null,
    );
  const st = await exists(abs);
  const parentOk = (await exists(path.dirname(abs)))?.isDirectory() ?? false;
  const otherParentOk = (await exists(path.dirname(to)))?.isDirectory() ?? false;
  switch (op) {
    case 0:
    case 1: // write (create or change) a file
      if (parentOk && !st?.isDirectory()) await fsp.writeFile(abs, content);
      break;
    case 2: // remove whatever is there
      if (st) await fsp.rm(abs, { recursive: true });
      break;
    case 3: // a directory, in place of a file if need be
      if (parentOk && !st?.isDirectory()) {
        if (st) await fsp.rm(abs);
        await fsp.mkdir(abs);
        await fsp.writeFile(path.join(abs, 'f1'), content);
      }
      break;
    case 4: // a symlink
      if (parentOk && !st) await fsp.symlink(`target-${content}`, abs);
      break;
    case 5: // a second name for a file
      if (st?.isFile() && otherParentOk && !(await exists(to))) await fsp.link(abs, to);
      break;
    case 6: // a file moved over another name
      if (st?.isFile() && otherParentOk && !(await exists(to))?.isDirectory()) await fsp.rename(abs, to);
      break;
    default: // a mode change
      if (st?.isFile()) await fsp.chmod(abs, 0o600 | random8(content));
  }
}

function random8(content: string): number {
  return content.length % 8;
}
