// --max-priority, --nice, --io-priority and --cpu-affinity (issue 19). While a backup runs
// (slowed down by --upload-limit), every thread of the agent process is read back from the
// kernel: nice and last CPU from /proc/<pid>/task/<tid>/stat, Cpus_allowed_list from its
// status, the I/O class and level through the addon's getThreadControls (ioprio_get). Bad values
// are usage errors naming the option; a CPU this machine lacks is one too; a control the
// system refuses (not root) is a warning, not a failure.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ExitCode } from '../src/base/errors.js';
import { buildAgentOptions } from '../src/config/agent-options.js';
import { loadConfigFile } from '../src/config/ini.js';
import { checkCpusExist, formatCpuList, onlineCpus, parseCpuList, parseIoPriority } from '../src/config/process-controls.js';
import { planControls } from '../src/cli/thread-controls.js';
import { native } from '../src/native.js';
import { AGENT, agent } from './helpers/agent.js';
import { prng, tempDir, write } from './helpers/tree.js';

/** Skips a test that this machine cannot run, saying why in the output. */
function skipBecause(ctx: Mocha.Context, why: string): never {
  console.log(`      skipped: ${why}`);
  ctx.skip();
}

interface ThreadSample {
  tid: number;
  comm: string;
  nice: number;
  /** The CPU it last ran on. */
  processor: number;
  /** Voluntary + involuntary context switches: it grows only when the thread has run. */
  switches: number;
  cpusAllowed: string;
  ioClass: number;
  ioLevel: number;
}

/** Every thread of `pid` that still exists while it is read. */
function sampleThreads(pid: number): ThreadSample[] {
  const out: ThreadSample[] = [];
  for (const name of fs.readdirSync(`/proc/${pid}/task`)) {
    const dir = `/proc/${pid}/task/${name}`;
    try {
      const stat = fs.readFileSync(`${dir}/stat`, 'utf8');
      // Fields after "(comm)" start at field 3; comm itself may hold spaces.
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const field = (n: number) => Number(rest[n - 3]);
      const status = fs.readFileSync(`${dir}/status`, 'utf8');
      const line = (key: string) => new RegExp(`^${key}:\\s*(.*)$`, 'm').exec(status)![1];
      const io = native.getThreadControls(Number(name));
      out.push({
        tid: Number(name),
        comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
        nice: field(19),
        processor: field(39),
        switches: Number(line('voluntary_ctxt_switches')) + Number(line('nonvoluntary_ctxt_switches')),
        cpusAllowed: line('Cpus_allowed_list'),
        ioClass: io.ioClass,
        ioLevel: io.ioLevel,
      });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ESRCH' && code !== 'ERR_ERRNO') throw err;
    }
  }
  return out;
}

interface Expected {
  nice?: number;
  ioClass?: number;
  ioLevel?: number;
  cpus?: string;
}

interface Running {
  /** Two readings of every thread, the second after the first, both while the backup ran. */
  first: ThreadSample[];
  second: ThreadSample[];
  status: number;
  stderr: string;
}

/**
 * Runs a backup (optionally under `taskset -c <prefix>`), waits until it has started backing up,
 * reads every thread twice, then lets it finish.
 */
async function readDuringBackup(work: string, extra: string[], taskset?: string): Promise<Running> {
  const store = path.join(work, `store-${Math.random().toString(36).slice(2)}`);
  const args = [
    AGENT,
    '--action',
    'backup',
    '--path-to-backup',
    path.join(work, 'src'),
    '--backup-name',
    'controls',
    '--storage',
    'local',
    '--container',
    store,
    '--compression',
    'none',
    '--upload-limit',
    '2M',
    '--max-segment-size',
    '1M',
    '--verbose',
    ...extra,
  ];
  const child = taskset
    ? spawn('taskset', ['-c', taskset, process.execPath, ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
    : spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  let exited = false;
  const done = new Promise<number>((resolve) =>
    child.once('close', (code) => {
      exited = true;
      resolve(code ?? -1);
    }),
  );
  const started = new Promise<void>((resolve) => {
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      // The action has begun: the lock is held, the level chosen, the archive being written.
      if (/: level \d+ \(/.test(stderr)) resolve();
    });
    void done.then(() => resolve());
  });
  await started;
  // taskset execs node in place, so the child's pid is the agent's.
  const first = exited ? [] : sampleThreads(child.pid!);
  await new Promise((r) => setTimeout(r, 300));
  const second = exited ? [] : sampleThreads(child.pid!);
  const stillRunning = !exited;
  const status = await done;
  assert.ok(stillRunning && second.length, `the backup ended before its threads could be read:\n${stderr}`);
  return { first, second, status, stderr };
}

/** Each thread holds what was asked; one that ran between the readings ran on an allowed CPU. */
function assertEveryThread(r: Running, want: Expected): void {
  assert.equal(r.status, 0, r.stderr);
  // main, V8's platform workers, the libuv pool (4 by default) and Node's helpers
  assert.ok(r.second.length >= 6, `expected the pool's threads too, got ${r.second.length} threads`);
  const before = new Map(r.first.map((t) => [t.tid, t]));
  const allowed = want.cpus === undefined ? undefined : new Set(parseCpuList(want.cpus));
  let ran = 0;
  for (const t of r.second) {
    const at = `thread ${t.tid} (${t.comm})`;
    if (want.nice !== undefined) assert.equal(t.nice, want.nice, `${at}: nice`);
    if (want.ioClass !== undefined) assert.equal(t.ioClass, want.ioClass, `${at}: I/O class`);
    if (want.ioLevel !== undefined) assert.equal(t.ioLevel, want.ioLevel, `${at}: I/O level`);
    if (want.cpus !== undefined) assert.equal(t.cpusAllowed, want.cpus, `${at}: Cpus_allowed_list`);
    const earlier = before.get(t.tid);
    if (allowed && earlier && t.switches > earlier.switches) {
      ran++;
      assert.ok(allowed.has(t.processor), `${at} ran on CPU ${t.processor}, outside ${want.cpus}`);
    }
  }
  if (allowed) assert.ok(ran > 0, 'no thread ran between the two readings: the CPU check saw nothing');
}

describe('node controls (--nice, --io-priority, --cpu-affinity, --max-priority)', function () {
  this.timeout(300_000);

  describe('values', () => {
    it('parses CPU lists as taskset writes them', () => {
      assert.deepEqual(parseCpuList('0,2-3'), [0, 2, 3]);
      assert.deepEqual(parseCpuList(' 3,1,1-2 '), [1, 2, 3]);
      assert.deepEqual(parseCpuList('1023'), [1023]);
      assert.deepEqual(parseCpuList('0-1\n'), [0, 1], '/sys/devices/system/cpu/online ends in a newline');
      for (const [bad, why] of [
        ['', /empty CPU list/],
        [',', /"" is not a CPU number or range/],
        ['1,', /"" is not a CPU number or range/],
        ['a', /"a" is not a CPU number/],
        ['-1', /"-1" is not a CPU number/],
        ['1-', /"1-" is not/],
        ['2-1', /"2-1": a range must go upwards/],
        ['1024', /CPU numbers go up to 1023/],
        ['0-99999999', /go up to 1023/],
        ['1.5', /"1.5" is not/],
      ] as const)
        assert.throws(() => parseCpuList(bad), why, `parseCpuList(${JSON.stringify(bad)})`);
    });

    it('writes CPU lists back in their shortest form', () => {
      assert.equal(formatCpuList([0, 2, 3]), '0,2-3');
      assert.equal(formatCpuList([1]), '1');
      assert.equal(formatCpuList([0, 1, 2, 5, 7, 8]), '0-2,5,7-8');
    });

    it('parses I/O priorities: idle, be[:0-7], rt[:0-7]', () => {
      assert.deepEqual(parseIoPriority('idle'), { ioClass: 'idle', level: 0 });
      assert.deepEqual(parseIoPriority('be:7'), { ioClass: 'be', level: 7 });
      assert.deepEqual(parseIoPriority('RT:0'), { ioClass: 'rt', level: 0 });
      assert.deepEqual(parseIoPriority('be'), { ioClass: 'be', level: 4 }, "the kernel's default level");
      assert.throws(() => parseIoPriority('idle:3'), /idle class has no levels/);
      assert.throws(() => parseIoPriority('be:8'), /level of be is 0..7/);
      assert.throws(() => parseIoPriority('realtime'), /expected idle, be\[:0-7\] or rt\[:0-7\], got "realtime"/);
      assert.throws(() => parseIoPriority('rt:-1'), /expected idle/);
    });

    it('refuses CPUs this machine does not have', () => {
      assert.doesNotThrow(() => checkCpusExist([0, 1], [0, 1]));
      assert.throws(() => checkCpusExist([0, 3], [0, 1, 2]), /CPU 3 does not exist on this machine \(its CPUs: 0-2\)/);
    });

    it('explicit options win over --max-priority, which lowers nice by 19 as Freezer does', () => {
      const max = planControls({ max_priority: true }, 0);
      assert.deepEqual(max.controls, { nice: -19, ioClass: 1, ioLevel: 0 });
      assert.deepEqual(planControls({ max_priority: true }, 5).controls.nice, -14, 'relative, as os.nice(-19)');
      assert.deepEqual(planControls({ max_priority: true }, -10).controls.nice, -20, 'clamped to -20');
      const mixed = planControls({ max_priority: true, nice: 5, io_prio: { ioClass: 'be', level: 7 }, cpu_list: [1] }, 0);
      assert.deepEqual(mixed.controls, { nice: 5, ioClass: 2, ioLevel: 7, cpus: [1] });
      assert.deepEqual(mixed.asked, { nice: '--nice 5', io: '--io-priority be:7', cpus: '--cpu-affinity 1' });
      const half = planControls({ max_priority: true, nice: 3 }, 0);
      assert.deepEqual(half.controls, { nice: 3, ioClass: 1, ioLevel: 0 });
      assert.equal(half.asked.io, '--max-priority');
      assert.deepEqual(planControls({ max_priority: false }, 0).controls, {}, 'nothing asked, nothing set');
    });

    it('reads cpu_affinity, io_priority and nice from an INI job file', () => {
      const work = tempDir('pf-controls-ini-');
      try {
        const ini = path.join(work, 'job.ini');
        fs.writeFileSync(ini, '[default]\nstorage = local\ncpu_affinity = 0-1\nio_priority = be:7\nnice = 5\n');
        const o = buildAgentOptions(loadConfigFile(ini), { backup_name: 'x', path_to_backup: '/x', container: work });
        assert.deepEqual(o.cpu_list, [0, 1]);
        assert.deepEqual(o.io_prio, { ioClass: 'be', level: 7 });
        assert.equal(o.nice, 5);
        fs.writeFileSync(ini, '[default]\nstorage = local\nio_priority = fast\n');
        assert.throws(
          () => buildAgentOptions(loadConfigFile(ini), { backup_name: 'x', path_to_backup: '/x', container: work }),
          /invalid value for --io-priority: expected idle/,
        );
      } finally {
        fs.rmSync(work, { recursive: true, force: true });
      }
    });
  });

  describe('usage errors', () => {
    const exec = (...extra: string[]) => agent(['--action', 'exec', '--command', 'true', ...extra]);

    it('bad values exit 2 naming the option and the value', () => {
      for (const [args, message] of [
        [['--cpu-affinity', '1-x'], /invalid value for --cpu-affinity: "1-x" is not a CPU number or range/],
        [['--cpu-affinity', ''], /invalid value for --cpu-affinity: empty CPU list/],
        [['--cpu-affinity', '3-1'], /invalid value for --cpu-affinity: "3-1": a range must go upwards/],
        [['--io-priority', 'fast'], /invalid value for --io-priority: expected idle, be\[:0-7\] or rt\[:0-7\], got "fast"/],
        [['--io-priority', 'be:9'], /invalid value for --io-priority: the level of be is 0..7, got "be:9"/],
        [['--io-priority', 'idle:1'], /invalid value for --io-priority: the idle class has no levels/],
        [['--nice', '20'], /invalid value for --nice: 20 is outside -20..19/],
        [['--nice', '-21'], /invalid value for --nice: -21 is outside -20..19/],
        [['--nice', 'low'], /--nice.*integer.*low/],
      ] as const) {
        const r = exec(...args);
        assert.equal(r.status, ExitCode.USAGE, `${args.join(' ')}: ${r.stderr}`);
        assert.match(r.stderr, message, args.join(' '));
      }
    });

    it('a CPU this machine does not have is refused, naming it and the CPUs there are', () => {
      const online = onlineCpus();
      const missing = Math.max(...online) + 1;
      const r = exec('--cpu-affinity', `0,${missing}`);
      assert.equal(r.status, ExitCode.USAGE, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(
          `invalid value for --cpu-affinity: CPU ${missing} does not exist on this machine \\(its CPUs: ${formatCpuList(online)}\\)`,
        ),
      );
    });

    it('the addon checks its inputs again', () => {
      assert.throws(() => native.applyThreadControls({ cpus: [4096] }), RangeError);
      assert.throws(() => native.applyThreadControls({ cpus: [] }), /at least one CPU/);
      assert.throws(() => native.applyThreadControls({ cpus: [0.5] }), RangeError);
      assert.throws(() => native.applyThreadControls({ nice: 20 }), /controls.nice must be an integer in -20..19/);
      assert.throws(() => native.applyThreadControls({ ioClass: 4, ioLevel: 0 }), /controls.ioClass must be an integer in 1..3/);
      assert.throws(() => native.applyThreadControls({ ioClass: 2, ioLevel: 8 }), /controls.ioLevel must be an integer in 0..7/);
      assert.throws(() => native.applyThreadControls({ ioLevel: 1 }), /ioLevel needs controls.ioClass/);
      assert.throws(() => native.getThreadControls(-1), RangeError);
    });

    it('a control the system refuses is a warning naming the option, and the run goes on', function () {
      if (process.getuid?.() !== 0) skipBecause(this, 'needs root, to run the agent as an unprivileged uid');
      const r = spawnSync(process.execPath, [AGENT, '--action', 'exec', '--command', 'true', '--max-priority', '--cpu-affinity', '0'], {
        encoding: 'utf8',
        uid: 65534,
        gid: 65534,
        cwd: '/',
      });
      if (r.status !== 0 && !/warn/.test(r.stderr))
        skipBecause(this, `the agent cannot run as uid 65534: ${r.stderr.trim().split('\n')[0]}`);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /warn: --max-priority: cannot set the nice value: setpriority: Permission denied/);
      assert.match(r.stderr, /warn: --max-priority: cannot set the I\/O priority: ioprio_set: Operation not permitted/);
      assert.doesNotMatch(r.stderr, /cpu-affinity/, 'an unprivileged process may narrow its own CPUs');
    });
  });

  describe('every thread of a running backup', () => {
    let work: string;
    before(function () {
      if (!fs.existsSync('/proc/self/task')) skipBecause(this, 'no /proc on this system');
      work = tempDir('pf-controls-');
      // Incompressible, so the 2 MiB/s limit holds the backup for about 4 s.
      for (let i = 0; i < 8; i++) write(path.join(work, 'src'), `f${i}`, prng(1 << 20, i + 1));
    });
    after(() => work && fs.rmSync(work, { recursive: true, force: true }));

    it('--max-priority: nice -19 and realtime I/O level 0 on every thread', async () => {
      assertEveryThread(await readDuringBackup(work, ['--max-priority']), { nice: -19, ioClass: 1, ioLevel: 0 });
    });

    it('--nice 5 (with --log-file, whose directory is made on the pool before the controls are set)', async () => {
      const r = await readDuringBackup(work, ['--nice', '5', '--log-file', path.join(work, 'logs', 'nice.log')]);
      assertEveryThread(r, { nice: 5 });
      assert.match(fs.readFileSync(path.join(work, 'logs', 'nice.log'), 'utf8'), /thread controls: nice 5 on every thread/);
    });

    for (const [value, ioClass, ioLevel] of [
      ['idle', 3, 0],
      ['be:7', 2, 7],
      ['rt:0', 1, 0],
    ] as const) {
      it(`--io-priority ${value}`, async () => {
        assertEveryThread(await readDuringBackup(work, ['--io-priority', value]), { ioClass, ioLevel });
      });
    }

    it('--cpu-affinity 1: every thread allowed only CPU 1, and runs there', async function () {
      if (!onlineCpus().includes(1)) skipBecause(this, 'this machine has no CPU 1');
      assertEveryThread(await readDuringBackup(work, ['--cpu-affinity', '1']), { cpus: '1' });
    });

    it('--cpu-affinity 0-1 widens a process started on CPU 0 only (taskset -c 0)', async function () {
      if (!onlineCpus().includes(1)) skipBecause(this, 'this machine has no CPU 1');
      if (spawnSync('taskset', ['-c', '0', 'true']).status !== 0) skipBecause(this, 'taskset (util-linux) is not installed');
      assertEveryThread(await readDuringBackup(work, ['--cpu-affinity', '0-1'], '0'), { cpus: '0-1' });
    });

    it('--max-priority with explicit --nice and --io-priority: the explicit ones win', async () => {
      const r = await readDuringBackup(work, ['--max-priority', '--nice', '5', '--io-priority', 'be:7']);
      assertEveryThread(r, { nice: 5, ioClass: 2, ioLevel: 7 });
      assert.match(r.stderr, /thread controls: nice 5, I\/O class best-effort level 7 on every thread/);
    });

    it('from a job file: cpu_affinity, io_priority, nice', async function () {
      if (!onlineCpus().includes(1)) skipBecause(this, 'this machine has no CPU 1');
      const ini = path.join(work, 'controls.ini');
      fs.writeFileSync(ini, '[default]\ncpu_affinity = 1\nio_priority = be:6\nnice = 7\n');
      assertEveryThread(await readDuringBackup(work, ['--config', ini]), { nice: 7, ioClass: 2, ioLevel: 6, cpus: '1' });
    });
  });
});
