// Two backups of one chain at once (issue: both used to report success under one name, one
// replacing the other). Each run holds the chain's lock for its whole run: the second fails
// with exit 12 naming the holder, or waits with --lock-wait; every backup that exits 0 is
// there under its own time stamp and restores exactly the tree it read. Over local storage
// (flock) and over a real Swift (lock objects), and after a holder is killed with SIGKILL.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { AGENT, agentAsync, agentOk, RunResult } from './helpers/agent.js';
import { SwiftInfo, startSwiftOrSkip } from './helpers/swift.js';
import { RawSwift, rawSwift } from './helpers/swift-raw.js';
import { makeSampleTree, prng, snapshotTree, tempDir, write, type TreeSnapshot } from './helpers/tree.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pad = (n: number) => String(n).padStart(2, '0');
/** `--restore-from-date` of a time stamp: local time, to the second. */
function localDate(ts: number): string {
  const d = new Date(ts * 1000);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

interface Made {
  ts: number;
  level: number;
  tree: TreeSnapshot;
}

/**
 * `rounds` rounds of two backups of one chain started together, the source changed between
 * rounds; returns every backup that exited 0, and checks each loser's exit code and message.
 */
async function concurrentRounds(
  work: string,
  src: string,
  storage: string[],
  rounds: number,
  extra: string[] = [],
): Promise<{ made: Made[]; locked: number }> {
  const made: Made[] = [];
  let locked = 0;
  for (let round = 0; round < rounds; round++) {
    write(src, `round-${round}.txt`, `round ${round}\n`);
    write(src, 'changing.bin', prng(50_000 + round, round));
    const tree = snapshotTree(src);
    const out = [0, 1].map((i) => path.join(work, `meta-${round}-${i}.json`));
    const runs = await Promise.all(
      out.map((o) =>
        agentAsync([
          '--action',
          'backup',
          '--path-to-backup',
          src,
          '--backup-name',
          'busy',
          '--hostname',
          'h',
          '--compression',
          'zstd',
          '--metadata-out',
          o,
          ...storage,
          ...extra,
        ]),
      ),
    );
    for (const [i, r] of runs.entries()) {
      if (r.status === 0) {
        const meta = JSON.parse(fs.readFileSync(out[i], 'utf8')) as { time_stamp: number; curr_backup_level: number };
        made.push({ ts: meta.time_stamp, level: meta.curr_backup_level, tree });
        continue;
      }
      assert.equal(r.status, 12, `round ${round}: ${r.stderr}`);
      assert.match(
        r.stderr,
        /the chain tar\/h_busy on \S+ is locked by backup of permafrost-agent \S+ \(pid \d+ on [^,]+, user [^,]+, started \d{4}-/,
      );
      locked += 1;
    }
    assert.ok(
      runs.some((r) => r.status === 0),
      `round ${round}: neither backup succeeded:\n${runs.map((r) => r.stderr).join('\n')}`,
    );
  }
  return { made, locked };
}

/** Every backup is listed once, under its own time stamp, and restores the tree it read. */
function checkEachRestores(work: string, storage: string[], made: Made[]): void {
  const stamps = made.map((m) => m.ts);
  assert.equal(new Set(stamps).size, stamps.length, `two backups reported one time stamp: ${stamps.join(' ')}`);
  const rows = JSON.parse(agentOk(['--action', 'info', '--json', ...storage]).stdout) as { timestamp: number; level: number }[];
  assert.deepEqual(rows.map((r) => r.timestamp).sort(), [...stamps].sort(), 'info lists exactly the backups that succeeded');
  for (const m of made) {
    assert.equal(rows.find((r) => r.timestamp === m.ts)!.level, m.level);
    const dest = path.join(work, `restored-${m.ts}`);
    agentOk([
      '--action',
      'restore',
      '--backup-name',
      'busy',
      '--hostname',
      'h',
      '--restore-abs-path',
      dest,
      '--restore-from-date',
      localDate(m.ts),
      ...storage,
    ]);
    assert.deepEqual(snapshotTree(dest), m.tree, `backup ${m.level}_${m.ts} restores what it read`);
    fs.rmSync(dest, { recursive: true, force: true });
  }
}

/** Starts a backup that is slowed down by --upload-limit; resolves once it holds the lock. */
async function slowHolder(
  src: string,
  storage: string[],
  holdsLock: () => Promise<boolean>,
): Promise<{ pid: number; done: Promise<number | null> }> {
  const child = spawn(
    process.execPath,
    [
      AGENT,
      '--action',
      'backup',
      '--path-to-backup',
      src,
      '--backup-name',
      'busy',
      '--hostname',
      'h',
      '--compression',
      'none',
      '--upload-limit',
      '512K',
      '--max-segment-size',
      '1M',
      ...storage,
    ],
    { stdio: 'ignore' },
  );
  const done = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  for (let waited = 0; !(await holdsLock()); waited += 50) {
    if (waited > 20_000) {
      child.kill('SIGKILL');
      throw new Error('the slow backup never took its lock');
    }
    await sleep(50);
  }
  return { pid: child.pid!, done };
}

describe('concurrent backups of one chain', function () {
  this.timeout(300_000);
  let work: string;
  let src: string;
  beforeEach(() => {
    work = tempDir('pf-concurrent-');
    src = path.join(work, 'src');
    fs.mkdirSync(src);
    makeSampleTree(src);
  });
  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

  describe('local storage (flock)', () => {
    const local = () => ['--storage', 'local', '--container', path.join(work, 'store')];

    it('ten rounds of two at once: one runs, the other exits 12 naming it; each success restores what it read', async () => {
      const { made, locked } = await concurrentRounds(work, src, local(), 10);
      console.log(`      ${made.length} backups made, ${locked} refused as locked`);
      checkEachRestores(work, local(), made);
      assert.deepEqual(fs.readdirSync(path.join(work, 'store')).sort(), ['data', 'metadata'], 'no lock or staging left in the container');
    });

    it('with --lock-wait both of each pair run, one after the other, under two time stamps', async () => {
      const { made, locked } = await concurrentRounds(work, src, local(), 3, ['--lock-wait', '60']);
      assert.equal(locked, 0);
      assert.equal(made.length, 6);
      checkEachRestores(work, local(), made);
    });

    it('a holder killed with SIGKILL blocks no one: the kernel drops its flock', async () => {
      write(src, 'big.bin', prng(8 << 20, 9));
      const lockFile = path.join(work, 'store', '.permafrost-locks', 'tar', 'h_busy.lock');
      const holder = await slowHolder(
        src,
        local(),
        async () => fs.existsSync(lockFile) && fs.readFileSync(lockFile, 'utf8').includes('"pid"'),
      );
      const refused = await agentAsync([
        '--action',
        'backup',
        '--path-to-backup',
        src,
        '--backup-name',
        'busy',
        '--hostname',
        'h',
        ...local(),
      ]);
      assert.equal(refused.status, 12, refused.stderr);
      assert.match(refused.stderr, new RegExp(`pid ${holder.pid} on `));
      process.kill(holder.pid, 'SIGKILL');
      await holder.done;
      const started = Date.now();
      const tree = snapshotTree(src);
      const out = path.join(work, 'after-kill.json');
      agentOk([
        '--action',
        'backup',
        '--path-to-backup',
        src,
        '--backup-name',
        'busy',
        '--hostname',
        'h',
        '--metadata-out',
        out,
        ...local(),
      ]);
      assert.ok(Date.now() - started < 20_000);
      const ts = (JSON.parse(fs.readFileSync(out, 'utf8')) as { time_stamp: number }).time_stamp;
      checkEachRestores(work, local(), [{ ts, level: 0, tree }]);
    });
  });

  describe('Swift (lock objects)', () => {
    let info: SwiftInfo;
    let raw: RawSwift;
    const containers: string[] = [];
    before(async function () {
      info = await startSwiftOrSkip(this);
      raw = await rawSwift(info);
    });
    after(async () => {
      for (const c of containers) await raw?.dropContainer(c);
    });
    const swift = (container: string) => [
      '--storage',
      'swift',
      '--container',
      container,
      '--os-auth-url',
      info.authUrl,
      '--os-username',
      info.user,
      '--os-password',
      info.key,
    ];
    const newContainer = () => {
      const c = `pf-lock-${randomBytes(5).toString('hex')}`;
      containers.push(c);
      return c;
    };
    const lockObjects = async (c: string) => (await raw.listing(c)).map((o) => o.name).filter((n) => n.startsWith('.permafrost-locks/'));

    it('ten rounds of two processes on one container: one runs, the other exits 12; each success restores what it read', async () => {
      const c = newContainer();
      const { made, locked } = await concurrentRounds(work, src, swift(c), 10);
      console.log(`      ${made.length} backups made, ${locked} refused as locked`);
      checkEachRestores(work, swift(c), made);
      assert.deepEqual(await lockObjects(c), [], 'every lock object was removed');
    });

    it('an interrupted backup (SIGINT) exits 130 and removes its lock object first', async () => {
      const c = newContainer();
      write(src, 'big.bin', prng(6 << 20, 12));
      const holder = await slowHolder(
        src,
        swift(c),
        async () => (await lockObjects(c)).length > 0 && (await raw.listing(c)).some((o) => o.name.endsWith('/segments/00000000')),
      );
      process.kill(holder.pid, 'SIGINT');
      assert.equal(await holder.done, 130);
      assert.deepEqual(await lockObjects(c), [], 'the lock was released on the way out');
      agentOk(['--action', 'backup', '--path-to-backup', src, '--backup-name', 'busy', '--hostname', 'h', ...swift(c)]);
    });

    it('a holder killed with SIGKILL does not block the next backup: its lock is stale at once on its own host', async () => {
      const c = newContainer();
      write(src, 'big.bin', prng(6 << 20, 11));
      // Killed in the middle of its upload: a segment stored, more to come.
      const holder = await slowHolder(
        src,
        swift(c),
        async () => (await lockObjects(c)).length > 0 && (await raw.listing(c)).some((o) => o.name.endsWith('/segments/00000001')),
      );
      process.kill(holder.pid, 'SIGKILL');
      await holder.done;
      assert.equal((await lockObjects(c)).length, 1, 'the killed run left its lock object');
      const tree = snapshotTree(src);
      const out = path.join(work, 'after-kill.json');
      const r: RunResult = agentOk([
        '--action',
        'backup',
        '--path-to-backup',
        src,
        '--backup-name',
        'busy',
        '--hostname',
        'h',
        '--metadata-out',
        out,
        ...swift(c),
      ]);
      assert.match(r.stderr, new RegExp(`removing the stale lock \\S+ of backup of permafrost-agent \\S+ \\(pid ${holder.pid} on `));
      const ts = (JSON.parse(fs.readFileSync(out, 'utf8')) as { time_stamp: number }).time_stamp;
      checkEachRestores(work, swift(c), [{ ts, level: 0, tree }]);
      assert.deepEqual(await lockObjects(c), []);
    });
  });
});
