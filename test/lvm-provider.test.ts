// The LVM snapshot provider against a stand-in lvm toolset: this kernel has no device-mapper,
// so lvcreate, lvremove, lvs and blkid below are stand-in programs that record their argv; the
// stand-in mount does a real read-only bind mount of a fixture directory (the "snapshot") and
// keeps a mount table of its own, and the stand-in umount really unmounts it. Asserts the exact
// command lines, the path handed to the backup, and that lvremove runs on every exit path.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runInterruptSteps } from '../src/base/interrupt.js';
import type { Logger } from '../src/base/log.js';
import { parseArgv } from '../src/cli/argv.js';
import { buildAgentOptions } from '../src/config/agent-options.js';
import type { DeviceMapper } from '../src/snapshot/lvm-dm.js';
import { createLvmProvider, isLogicalVolume, lvmSettingsFrom, type LvmSettings } from '../src/snapshot/lvm.js';
import { chainPrefix } from '../src/snapshot/lvm-settings.js';
import { tempDir, write } from './helpers/tree.js';

const STANDIN_HEADER = `#!/bin/bash
# Stand-in lvm program for permafrost's tests (this kernel has no device-mapper): records its
# argv, one call a line, arguments tab-separated, then acts as told by files in $LVM_STANDIN.
S="$LVM_STANDIN"
{ printf '%s' "$(basename "$0")"; for a in "$@"; do printf '\\t%s' "$a"; done; printf '\\n'; } >> "$S/calls"
esc() { printf '%s' "$1" | sed 's/\\\\/\\\\134/g; s/ /\\\\040/g'; }
`;

const STANDINS: Record<string, string> = {
  lvcreate: `if [ -f "$S/lvcreate.fail" ]; then cat "$S/lvcreate.fail" >&2; exit 5; fi
echo '  Logical volume created.'`,
  lvremove: `n=$(cat "$S/lvremove.busy" 2>/dev/null || echo 0)
if [ "$n" -gt 0 ]; then echo $((n - 1)) > "$S/lvremove.busy"; echo "  Logical volume $2 contains a filesystem in use." >&2; exit 5; fi
echo "  Logical volume removed."`,
  lvs: `case "$*" in *lv_attr,data_percent*) f=lvs.fill ;; *lv_name,origin*) f=lvs.names ;; *) f=lvs.one ;; esac
if [ -f "$S/$f.fail" ]; then cat "$S/$f.fail" >&2; exit 5; fi
cat "$S/$f" 2>/dev/null; exit 0`,
  blkid: `if [ -f "$S/blkid" ]; then cat "$S/blkid"; else exit 2; fi`,
  mount: `if [ -f "$S/mount.fail" ]; then cat "$S/mount.fail" >&2; exit 32; fi
type=auto; opts=
while [ $# -gt 2 ]; do case "$1" in -t) type=$2; shift 2 ;; -o) opts=$2; shift 2 ;; *) shift ;; esac; done
dev=$1; dir=$2
/usr/bin/mount --bind "$(cat "$S/origin")" "$dir" || exit 32
case ",$opts," in *,ro,*) /usr/bin/mount -o remount,bind,ro "$dir" || exit 32 ;; esac
echo "$dev $(esc "$dir") $type $opts 0 0" >> "$S/mounts"`,
  umount: `/usr/bin/umount "$@" || exit $?
dir="\${@: -1}"
grep -v -F " $(esc "$dir") " "$S/mounts" > "$S/mounts.new"; mv "$S/mounts.new" "$S/mounts"; exit 0`,
};

interface Recorder extends Logger {
  warnings: string[];
}

function recorder(): Recorder {
  const warnings: string[] = [];
  return { warnings, debug() {}, info() {}, warn: (m) => warnings.push(m), error() {} };
}

describe('LVM snapshot provider (stand-in lvm programs)', function () {
  let work: string;
  let state: string;
  let origin: string;
  let base: string;
  let savedPath: string | undefined;
  const ORIGIN_DEVICE = '/dev/mapper/vg0-data';

  const calls = (prog?: string): string[][] => {
    const text = fs.existsSync(path.join(state, 'calls')) ? fs.readFileSync(path.join(state, 'calls'), 'utf8') : '';
    const all = text
      .split('\n')
      .filter((l) => l)
      .map((l) => l.split('\t'));
    return prog ? all.filter((c) => c[0] === prog).map((c) => c.slice(1)) : all;
  };
  const table = (lines: string) => async () => lines + fs.readFileSync(path.join(state, 'mounts'), 'utf8');
  const settings = (over: Partial<LvmSettings> = {}): LvmSettings => ({
    perm: 'ro',
    size: '1G',
    mountBase: base,
    mountTable: table(`/dev/sda1 / ext4 rw 0 0\n${ORIGIN_DEVICE} ${origin} ext4 rw,relatime 0 0\n`),
    deviceMapper: null,
    removeAttempts: 5,
    removeWaitMs: 5,
    ...over,
  });
  const req = (source: string, log = recorder()) => ({ source, chainName: 'host1_files', log });
  const mountedUnder = (dir: string) =>
    fs
      .readFileSync('/proc/mounts', 'utf8')
      .split('\n')
      .map((l) => l.split(' ')[1]?.replace(/\\040/g, ' '))
      .filter((m) => m && m.startsWith(dir));

  before(function () {
    if (process.getuid?.() !== 0) {
      console.log('      skipped: the stand-in mount makes real bind mounts, which needs root');
      this.skip();
    }
    work = tempDir('pf-lvm-');
    const bin = path.join(work, 'bin');
    fs.mkdirSync(bin);
    for (const [name, body] of Object.entries(STANDINS))
      fs.writeFileSync(path.join(bin, name), STANDIN_HEADER + body + '\n', { mode: 0o755 });
    savedPath = process.env.PATH;
    process.env.PATH = `${bin}:${process.env.PATH}`;
    origin = path.join(work, 'origin');
    write(origin, 'sub/a.txt', 'alpha\n');
    write(origin, 'sub/deep/b.bin', Buffer.from([1, 2, 3]));
    write(origin, 'mongod_ops2/collection-0.wt', 'wt');
  });

  beforeEach(function () {
    state = path.join(work, 'state');
    fs.rmSync(state, { recursive: true, force: true });
    fs.mkdirSync(state);
    fs.writeFileSync(path.join(state, 'origin'), origin);
    fs.writeFileSync(path.join(state, 'mounts'), '');
    process.env.LVM_STANDIN = state;
    base = path.join(work, 'mount base'); // a space, written \\040 in the mount table
  });

  afterEach(function () {
    for (const m of mountedUnder(work).reverse()) spawnSync('/usr/bin/umount', ['-l', m]);
  });

  after(function () {
    if (savedPath !== undefined) process.env.PATH = savedPath;
    delete process.env.LVM_STANDIN;
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('creates, mounts read-only, maps the source, and takes it all down', async function () {
    fs.writeFileSync(path.join(state, 'lvs.fill'), '  swi-aos---  12.50\n');
    const source = path.join(origin, 'sub');
    const pit = await createLvmProvider(settings()).take(req(source));
    const [[lvs], [create]] = [calls('lvs'), calls('lvcreate')];
    assert.deepEqual(lvs, ['--noheadings', '--separator', '|', '-o', 'lv_name,origin', 'vg0'], 'leftovers are looked for first');
    const name = create[6];
    assert.match(name, new RegExp(`^${chainPrefix('host1_files')}[0-9a-f]{8}$`));
    assert.deepEqual(create, ['--size', '1G', '--snapshot', '--permission', 'r', '--name', name, '/dev/vg0/data']);
    const dir = path.join(base, name);
    assert.deepEqual(calls('mount'), [['-t', 'ext4', '-o', 'ro', `/dev/vg0/${name}`, dir]]);
    assert.equal(pit.path, path.join(dir, 'sub'));
    assert.equal(fs.readFileSync(path.join(pit.path, 'a.txt'), 'utf8'), 'alpha\n', 'the backup reads from the mounted snapshot');
    assert.throws(() => fs.writeFileSync(path.join(pit.path, 'new'), 'x'), { code: 'EROFS' }, 'mounted read-only');
    assert.deepEqual(pit.details, {
      provider: 'lvm',
      volume_group: 'vg0',
      origin: '/dev/vg0/data',
      snapshot: `vg0/${name}`,
      mount: dir,
      size: '1G',
      permission: 'ro',
      fs_type: 'ext4',
      found_by: 'mount table',
    });
    await pit.check();
    assert.deepEqual(
      calls('lvs').at(-1),
      ['--noheadings', '-o', 'lv_attr,data_percent', `vg0/${name}`],
      'no device-mapper here: the fill level comes from lvs',
    );
    await pit.release();
    assert.deepEqual(calls('umount'), [[dir]]);
    assert.deepEqual(calls('lvremove'), [['-f', `vg0/${name}`]]);
    assert.equal(fs.existsSync(dir), false, 'the mount directory it made is removed');
    assert.deepEqual(mountedUnder(work), []);
    const order = calls().map((c) => c[0]);
    assert.deepEqual(order.slice(-2), ['umount', 'lvremove'], 'unmounted before it is removed');
    await pit.release();
    assert.equal(calls().length, order.length, 'release is idempotent');
  });

  it('fails check() when the snapshot filled up, and still removes it', async function () {
    fs.writeFileSync(path.join(state, 'lvs.fill'), '  swi-I-s---  100.00\n');
    const pit = await createLvmProvider(settings({ size: '10%ORIGIN' })).take(req(origin));
    assert.deepEqual(calls('lvcreate')[0].slice(0, 2), ['--extents', '10%ORIGIN']);
    await assert.rejects(pit.check(), {
      code: 'ERR_SOURCE',
      message:
        /LVM snapshot vg0\/permafrost_snap_\S+ became invalid while it was read: lvs reports it invalid \(it filled up\)\. .*--lvm-snapsize \(now 10%ORIGIN\)/,
    });
    await pit.release();
    assert.equal(calls('lvremove').length, 1);
  });

  it('reads the fill level from device-mapper when there is one', async function () {
    let status = '2048/2097152 16';
    const dm: DeviceMapper = {
      byDevice: () => null,
      byName: (n) => ({
        name: n,
        uuid: 'LVM-x',
        major: 253,
        minor: 9,
        openCount: 1,
        flags: 0,
        targets: [{ start: 0, length: 8, type: 'snapshot', status }],
      }),
    };
    const pit = await createLvmProvider(settings({ deviceMapper: dm })).take(req(origin));
    const before = calls('lvs').length;
    await pit.check();
    status = 'Invalid';
    await assert.rejects(pit.check(), { code: 'ERR_SOURCE', message: /it filled up and device-mapper marked it Invalid/ });
    assert.equal(calls('lvs').length, before, 'lvs is not asked when device-mapper answers');
    await pit.release();
  });

  it('removes the snapshot when the mount fails', async function () {
    fs.writeFileSync(path.join(state, 'mount.fail'), 'mount: wrong fs type, bad option, bad superblock');
    await assert.rejects(createLvmProvider(settings()).take(req(origin)), {
      code: 'ERR_SOURCE',
      message: /mount of \/dev\/vg0\/permafrost_snap_\S+ on .* failed: mount: wrong fs type/,
    });
    const name = calls('lvcreate')[0][6];
    assert.deepEqual(calls('lvremove'), [['-f', `vg0/${name}`]]);
    assert.deepEqual(calls('umount'), [], 'nothing was mounted');
    assert.equal(fs.existsSync(path.join(base, name)), false);
  });

  it('makes nothing to remove when lvcreate fails, and says why', async function () {
    fs.writeFileSync(path.join(state, 'lvcreate.fail'), '  Volume group "vg0" has insufficient free space (0 extents): 256 required.');
    await assert.rejects(createLvmProvider(settings()).take(req(origin)), {
      code: 'ERR_SOURCE',
      message:
        /lvcreate of vg0\/permafrost_snap_\S+ from \/dev\/vg0\/data \(guessed from the mount table\) failed: Volume group "vg0" has insufficient free space/,
    });
    assert.deepEqual(calls('lvremove'), []);
    assert.deepEqual(fs.readdirSync(base), [], 'the mount directory it made is gone');
  });

  it('removes the snapshot when the backup stage throws (take, then release in finally)', async function () {
    const provider = createLvmProvider(settings());
    const backup = async () => {
      const pit = await provider.take(req(origin));
      try {
        throw new Error('the engine failed');
      } finally {
        await pit.release();
      }
    };
    await assert.rejects(backup(), /the engine failed/);
    assert.equal(calls('lvremove').length, 1);
    assert.equal(calls('umount').length, 1);
    assert.deepEqual(mountedUnder(work), []);
  });

  it('takes the snapshot down when the run is interrupted (SIGINT) while it holds it', async function () {
    const pit = await createLvmProvider(settings()).take(req(origin));
    await runInterruptSteps(10_000);
    assert.equal(calls('lvremove').length, 1);
    assert.deepEqual(mountedUnder(work), []);
    await pit.release();
    assert.equal(calls('lvremove').length, 1, 'the later release finds it done');
  });

  it('retries lvremove while the volume is in use, then gives up with a warning and never throws', async function () {
    fs.writeFileSync(path.join(state, 'lvremove.busy'), '2');
    const log = recorder();
    const pit = await createLvmProvider(settings()).take(req(origin, log));
    await pit.release();
    assert.equal(calls('lvremove').length, 3, 'two busy answers, then removed');
    assert.deepEqual(log.warnings, []);

    fs.writeFileSync(path.join(state, 'lvremove.busy'), '99');
    const log2 = recorder();
    const pit2 = await createLvmProvider(settings({ removeAttempts: 4 })).take(req(origin, log2));
    await pit2.release();
    assert.equal(calls('lvremove').length, 3 + 4, 'bounded');
    assert.equal(log2.warnings.length, 1);
    assert.match(
      log2.warnings[0],
      /the snapshot vg0\/\S+ was not removed completely: lvremove -f vg0\/\S+ failed: .*contains a filesystem in use\. Remove it by hand: lvremove -f vg0\/\S+$/,
    );
  });

  it('removes leftovers of a killed run of the same chain, with a warning', async function () {
    const prefix = chainPrefix('host1_files');
    const leftover = `${prefix}0badc0de`;
    const other = `${chainPrefix('host1_other')}12345678`;
    const dir = path.join(base, leftover);
    fs.mkdirSync(dir, { recursive: true });
    spawnSync('/usr/bin/mount', ['--bind', origin, dir]);
    fs.writeFileSync(
      path.join(state, 'mounts'),
      `/dev/mapper/vg0-${leftover.replaceAll('-', '--')} ${dir.replace(/ /g, '\\040')} ext4 ro 0 0\n`,
    );
    fs.writeFileSync(path.join(state, 'lvs.names'), `  data|\n  ${leftover}|data\n  ${other}|data\n`);
    fs.mkdirSync(path.join(base, `${prefix}feedf00d`)); // killed between mkdir and lvcreate
    const log = recorder();
    const pit = await createLvmProvider(settings()).take(req(origin, log));
    assert.deepEqual(calls('umount')[0], [dir]);
    assert.deepEqual(calls('lvremove')[0], ['-f', `vg0/${leftover}`]);
    assert.equal(calls('lvremove').length, 1, "another chain's snapshot is left alone");
    assert.match(
      log.warnings[0],
      new RegExp(`removing vg0/${leftover}, left by an earlier run that did not finish \\(mounted on ${dir}\\)`),
    );
    assert.match(log.warnings[1], /removed the empty mount directory .*feedf00d, left by an earlier run/);
    assert.equal(fs.existsSync(dir), false);
    const order = calls().map((c) => c[0]);
    assert.ok(order.indexOf('lvremove') < order.indexOf('lvcreate'), 'before the new snapshot is made');
    await pit.release();
  });

  it('removes what a run killed with SIGKILL left behind, at the next take()', async function () {
    // A child process takes a snapshot and is killed -9 while it holds it.
    const lvm = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'snapshot', 'lvm.js');
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import { createLvmProvider } from ${JSON.stringify(lvm)};
         import fs from 'node:fs';
         const s = JSON.parse(process.argv[1]);
         const log = { debug() {}, info() {}, warn() {}, error() {} };
         const mountTable = async () => s.lines + fs.readFileSync(s.state + '/mounts', 'utf8');
         const pit = await createLvmProvider({ ...s.settings, mountTable, deviceMapper: null }).take({ source: s.source, chainName: 'host1_files', log });
         process.stdout.write(pit.path + '\\n');
         setInterval(() => {}, 1000);`,
        JSON.stringify({
          state,
          source: origin,
          lines: `/dev/sda1 / ext4 rw 0 0\n${ORIGIN_DEVICE} ${origin} ext4 rw 0 0\n`,
          settings: { perm: 'ro', size: '1G', mountBase: base, removeAttempts: 2, removeWaitMs: 5 },
        }),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const taken = await new Promise<string>((resolve, reject) => {
      child.stdout.once('data', (b: Buffer) => resolve(b.toString().trim()));
      child.once('exit', (code) => reject(new Error(`the child exited ${code} before taking the snapshot`)));
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const killed = calls('lvcreate')[0][6];
    assert.equal(taken, path.join(base, killed));
    assert.deepEqual(mountedUnder(work), [taken], 'the killed run left its snapshot mounted');
    fs.writeFileSync(path.join(state, 'lvs.names'), `  data|\n  ${killed}|data\n`);
    const log = recorder();
    const pit = await createLvmProvider(settings()).take(req(origin, log));
    assert.match(log.warnings[0], new RegExp(`removing vg0/${killed}, left by an earlier run that did not finish`));
    assert.deepEqual(calls('umount')[0], [taken]);
    assert.deepEqual(calls('lvremove')[0], ['-f', `vg0/${killed}`]);
    assert.equal(fs.existsSync(taken), false);
    await pit.release();
    assert.deepEqual(mountedUnder(work), []);
  });

  it('with --lvm-snapname, removes a leftover of that name only if it is a snapshot of the same origin', async function () {
    fs.writeFileSync(path.join(state, 'lvs.names'), '  data|\n  mysnap|data\n');
    const log = recorder();
    const pit = await createLvmProvider(settings({ snapname: 'mysnap' })).take(req(origin, log));
    assert.deepEqual(calls('lvremove')[0], ['-f', 'vg0/mysnap']);
    assert.equal(calls('lvcreate')[0][6], 'mysnap');
    await pit.release();
    fs.writeFileSync(path.join(state, 'lvs.names'), '  data|\n  mysnap|\n');
    await assert.rejects(createLvmProvider(settings({ snapname: 'mysnap' })).take(req(origin)), {
      code: 'ERR_CONFIG',
      message: /--lvm-snapname mysnap: vg0\/mysnap exists and is not known to be a snapshot of vg0\/data; choose another name/,
    });
  });

  it("maps Freezer's README LVM examples (mongo, jenkins, mysql) to the right commands and path", async function () {
    const dirmount = path.join(work, 'snapshot-backup');
    const options = (...args: string[]) =>
      lvmSettingsFrom(buildAgentOptions({}, parseArgv(['--storage', 'local', '--container', '/c', ...args]).values));
    const cases: {
      args: string[];
      source: string;
      table: string;
      blkid?: string;
      existed: boolean;
      lvcreate: string[];
      mount: (name: string) => string[];
    }[] = [
      {
        // mongo: the path is inside --lvm-dirmount; its origin is mounted elsewhere, on xfs.
        args: [
          '--lvm-srcvol',
          '/dev/mongo/mongolv',
          '--lvm-dirmount',
          dirmount,
          '--lvm-volgroup',
          'mongo',
          '--path-to-backup',
          `${dirmount}/mongod_ops2`,
          '--mode',
          'fs',
          '--backup-name',
          'mongod-ops2',
        ],
        source: `${dirmount}/mongod_ops2`,
        table: '/dev/sda1 / ext4 rw 0 0\n/dev/mapper/mongo-mongolv /var/lib/mongodb xfs rw 0 0\n',
        existed: true,
        lvcreate: ['--size', '1G', '--snapshot', '--permission', 'r', '--name', 'NAME', '/dev/mongo/mongolv'],
        mount: (n) => ['-t', 'xfs', '-o', 'ro,nouuid', `/dev/mongo/${n}`, dirmount],
      },
      {
        // jenkins: the path is --lvm-dirmount itself; the type comes from blkid.
        args: [
          '--lvm-srcvol',
          '/dev/jenkins/jenkins-home',
          '--lvm-dirmount',
          dirmount,
          '--lvm-volgroup',
          'jenkins',
          '--path-to-backup',
          dirmount,
          '--exclude',
          '*.lock',
          '--mode',
          'fs',
          '--backup-name',
          'jenkins-ops2',
        ],
        source: dirmount,
        table: '/dev/sda1 / ext4 rw 0 0\n',
        blkid: 'ext4\n',
        existed: true,
        lvcreate: ['--size', '1G', '--snapshot', '--permission', 'r', '--name', 'NAME', '/dev/jenkins/jenkins-home'],
        mount: (n) => ['-t', 'ext4', '-o', 'ro', `/dev/jenkins/${n}`, dirmount],
      },
      {
        // mysql (the LVM part): no type known anywhere, so mount finds it.
        args: [
          '--lvm-srcvol',
          '/dev/mysqlvg/mysqlvol',
          '--lvm-dirmount',
          dirmount,
          '--lvm-volgroup',
          'mysqlvg',
          '--path-to-backup',
          dirmount,
          '--backup-name',
          'mysql-ops002',
        ],
        source: dirmount,
        table: '/dev/sda1 / ext4 rw 0 0\n',
        existed: false,
        lvcreate: ['--size', '1G', '--snapshot', '--permission', 'r', '--name', 'NAME', '/dev/mysqlvg/mysqlvol'],
        mount: (n) => ['-o', 'ro', `/dev/mysqlvg/${n}`, dirmount],
      },
    ];
    for (const c of cases) {
      fs.rmSync(path.join(state, 'calls'), { force: true });
      fs.rmSync(path.join(state, 'blkid'), { force: true });
      if (c.blkid) fs.writeFileSync(path.join(state, 'blkid'), c.blkid);
      if (c.existed) fs.mkdirSync(dirmount);
      const s = { ...options(...c.args), mountBase: base, mountTable: table(c.table), deviceMapper: null, removeWaitMs: 5 };
      const pit = await createLvmProvider(s).take(req(c.source));
      const name = calls('lvcreate')[0][6];
      assert.deepEqual(
        calls('lvcreate')[0],
        c.lvcreate.map((a) => (a === 'NAME' ? name : a)),
        c.args.join(' '),
      );
      assert.deepEqual(calls('mount')[0], c.mount(name));
      if (c.blkid) assert.deepEqual(calls('blkid')[0], ['-o', 'value', '-s', 'TYPE', `/dev/jenkins/${name}`]);
      assert.equal(pit.path, c.source, "the path inside --lvm-dirmount is the snapshot's own");
      assert.ok(fs.existsSync(path.join(pit.path, c.source === dirmount ? 'mongod_ops2' : 'collection-0.wt')));
      await pit.release();
      assert.deepEqual(calls('lvremove'), [['-f', `${s.volgroup}/${name}`]]);
      assert.equal(fs.existsSync(dirmount), c.existed, 'a mount directory that was there before is left, one it made is removed');
      fs.rmSync(dirmount, { recursive: true, force: true });
    }
  });

  it('tells whether a path is on a logical volume, for --snapshot auto', async function () {
    const t = table(`/dev/sda1 / ext4 rw 0 0\n${ORIGIN_DEVICE} ${origin} ext4 rw 0 0\n`);
    assert.equal(await isLogicalVolume(path.join(origin, 'sub'), { mountTable: t, deviceMapper: null }), true);
    assert.deepEqual(calls('lvs').at(-1), ['--noheadings', '-o', 'lv_name', 'vg0/data']);
    assert.equal(await isLogicalVolume(work, { mountTable: t, deviceMapper: null }), false);
    fs.writeFileSync(path.join(state, 'lvs.one.fail'), '  Failed to find logical volume "vg0/data"');
    assert.equal(await isLogicalVolume(origin, { mountTable: t, deviceMapper: null }), false, 'lvs does not know it');
    const dm = (uuid: string): DeviceMapper => ({
      byDevice: (major, minor) => ({ name: 'vg-lv', uuid, major, minor, openCount: 1, flags: 0, targets: [] }),
      byName: () => null,
    });
    assert.equal(await isLogicalVolume(work, { deviceMapper: dm('LVM-abc') }), true);
    assert.equal(await isLogicalVolume(work, { deviceMapper: dm('CRYPT-LUKS2-abc') }), false);
  });
});
