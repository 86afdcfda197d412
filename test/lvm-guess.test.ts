// The LVM provider's pure parts: which volume a path is on, from recorded /proc/mounts samples
// (Freezer's guess missed several of these forms), device-mapper names, fill levels, snapshot
// names and the --lvm-* options.
import assert from 'node:assert/strict';
import { parseArgv } from '../src/cli/argv.js';
import { buildAgentOptions } from '../src/config/agent-options.js';
import { silentLogger } from '../src/base/log.js';
import { dmNameOf, fillOfStatus, lvOfDmDevice, splitDev, splitDmName, type DeviceMapper } from '../src/snapshot/lvm-dm.js';
import { fillOfLvs } from '../src/snapshot/lvm-fill.js';
import { lvOfDevicePath, lvOfVolumeArg, mountOf, parseMountTable } from '../src/snapshot/lvm-guess.js';
import { parseLvsNames } from '../src/snapshot/lvm-leftovers.js';
import { chainPrefix, lvmNameProblem, lvmSettingsFrom, newSnapshotName, type LvmSettings } from '../src/snapshot/lvm-settings.js';
import { pathInSnapshot, resolveVolume } from '../src/snapshot/lvm-volume.js';

// Recorded from Ubuntu 22.04 (its installer's LVM layout), Debian 12 with short names, RHEL 9
// (xfs, /dev/mapper/rhel-root), and a host mounting through /dev/<vg>/<lv> with a space in a
// mount point.
const UBUNTU = `sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0
proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
udev /dev devtmpfs rw,nosuid,relatime,size=4010932k,nr_inodes=1002733,mode=755,inode64 0 0
/dev/mapper/ubuntu--vg-ubuntu--lv / ext4 rw,relatime 0 0
/dev/sda2 /boot ext4 rw,relatime 0 0
/dev/sda1 /boot/efi vfat rw,relatime,fmask=0077,dmask=0077 0 0
tmpfs /run/user/1000 tmpfs rw,nosuid,nodev,relatime,size=804172k,mode=700,uid=1000,gid=1000,inode64 0 0
`;
const DEBIAN_SHORT = `/dev/mapper/vg-root / ext4 rw,relatime,errors=remount-ro 0 0
/dev/mapper/vg0-lv /srv ext4 rw,relatime 0 0
/dev/vda1 /boot ext2 rw,relatime 0 0
`;
const RHEL = `/dev/mapper/rhel-root / xfs rw,seclabel,relatime,attr2,inode64,logbufs=8,logbsize=32k,noquota 0 0
/dev/mapper/rhel-home /home xfs rw,seclabel,relatime,attr2,inode64,logbufs=8,logbsize=32k,noquota 0 0
/dev/md/boot /boot xfs rw 0 0
/dev/mapper/cryptswap none swap sw 0 0
/dev/mapper/luks-0b3c4d2e /secret ext4 rw 0 0
`;
const VG_FORM = `/dev/sda1 / ext4 rw 0 0
/dev/vg0/data /srv/my\\040data ext4 rw,relatime 0 0
/dev/data/mysql /var/lib/mysql xfs rw 0 0
/dev/disk/by-uuid/1234 /mnt/x ext4 rw 0 0
`;

const settings = (over: Partial<LvmSettings> = {}): LvmSettings => ({
  perm: 'ro',
  size: '1G',
  mountBase: '/var/lib/permafrost/lvm',
  mountTable: async () => '',
  deviceMapper: null,
  removeAttempts: 5,
  removeWaitMs: 1,
  ...over,
});

const lvmOpts = (...args: string[]) =>
  buildAgentOptions(
    {},
    parseArgv(['--path-to-backup', '/srv/x', '--backup-name', 'b', '--storage', 'local', '--container', '/c', ...args]).values,
  );

describe('LVM: guessing the volume from the mount table', function () {
  it('reads both device forms, LVM escaping and short names that Freezer missed', function () {
    assert.deepEqual(lvOfDevicePath('/dev/mapper/ubuntu--vg-ubuntu--lv'), { vg: 'ubuntu-vg', lv: 'ubuntu-lv' });
    assert.deepEqual(lvOfDevicePath('/dev/mapper/vg-root'), { vg: 'vg', lv: 'root' });
    assert.deepEqual(lvOfDevicePath('/dev/mapper/vg0-lv'), { vg: 'vg0', lv: 'lv' });
    assert.deepEqual(lvOfDevicePath('/dev/mapper/a-b'), { vg: 'a', lv: 'b' });
    assert.deepEqual(lvOfDevicePath('/dev/vg0/data'), { vg: 'vg0', lv: 'data' });
    assert.deepEqual(lvOfDevicePath('/dev/mapper/a---b'), { vg: 'a-', lv: 'b' });
    // Not logical volumes: a whole disk, an md array, a dm name without a single '-', an LVM
    // layer (vg-lv-real), udev's by-uuid links.
    for (const d of [
      '/dev/sda1',
      '/dev/md/boot',
      '/dev/mapper/cryptswap',
      '/dev/mapper/vg-lv-real',
      '/dev/disk/by-uuid/1234',
      'tmpfs',
      '/dev/mapper/-x',
    ])
      assert.equal(lvOfDevicePath(d), null, d);
  });

  it('undoes /proc/mounts escapes and finds the longest mount point holding a path', function () {
    const t = parseMountTable(VG_FORM);
    assert.equal(t[1].mountPoint, '/srv/my data');
    assert.equal(mountOf('/srv/my data/db/x', t)?.device, '/dev/vg0/data');
    assert.equal(mountOf('/srv/my datax', t)?.device, '/dev/sda1', 'a name that only starts like the mount point is not in it');
    assert.equal(mountOf('/', parseMountTable(UBUNTU))?.device, '/dev/mapper/ubuntu--vg-ubuntu--lv');
    assert.equal(mountOf('/boot/efi/EFI', parseMountTable(UBUNTU))?.device, '/dev/sda1');
    // Mounted over: the last entry of a mount point wins.
    assert.equal(
      mountOf('/a/b', parseMountTable('/dev/x / ext4 rw 0 0\n/dev/vg/one /a ext4 rw 0 0\n/dev/vg/two /a ext4 rw 0 0\n'))?.device,
      '/dev/vg/two',
    );
  });

  it('guesses VG, LV, the origin and the file system type of each sample', async function () {
    const cases: [string, string, string, string | null, string][] = [
      [UBUNTU, '/home/u/data', '/dev/ubuntu-vg/ubuntu-lv', 'ext4', '/'],
      [DEBIAN_SHORT, '/etc', '/dev/vg/root', 'ext4', '/'],
      [DEBIAN_SHORT, '/srv/www', '/dev/vg0/lv', 'ext4', '/srv'],
      [RHEL, '/home/alice', '/dev/rhel/home', 'xfs', '/home'],
      [VG_FORM, '/srv/my data/db', '/dev/vg0/data', 'ext4', '/srv/my data'],
      [VG_FORM, '/var/lib/mysql', '/dev/data/mysql', 'xfs', '/var/lib/mysql'],
    ];
    for (const [table, source, origin, fsType, mp] of cases) {
      const v = await resolveVolume(settings(), source, parseMountTable(table), null, silentLogger);
      assert.equal(v.origin, origin, source);
      assert.equal(v.how, 'mount table');
      assert.equal(v.fsType, fsType);
      assert.equal(v.sourceMount?.mountPoint, mp);
    }
    const v = await resolveVolume(settings(), '/srv/my data/db/t1', parseMountTable(VG_FORM), null, silentLogger);
    assert.equal(pathInSnapshot('/srv/my data/db/t1', '/var/lib/permafrost/lvm/s', v), '/var/lib/permafrost/lvm/s/db/t1');
  });

  it('says what to give when the source is on no logical volume', async function () {
    await assert.rejects(resolveVolume(settings(), '/boot/grub', parseMountTable(UBUNTU), null, silentLogger), {
      code: 'ERR_CONFIG',
      message:
        /cannot tell which logical volume \/boot\/grub is on: it is on \/dev\/sda2, mounted on \/boot, which is not a logical volume \(this system has no device-mapper to ask\); give --lvm-srcvol and --lvm-volgroup/,
    });
    await assert.rejects(resolveVolume(settings({ volgroup: 'other' }), '/home/x', parseMountTable(RHEL), null, silentLogger), {
      message: /\/home\/x is on rhel\/home, which is not in --lvm-volgroup other/,
    });
  });

  it('guesses nothing when --lvm-srcvol and --lvm-volgroup are given, but refuses a source on another volume', async function () {
    let asked = 0;
    const dm: DeviceMapper = {
      byDevice: () => (asked++, null),
      byName: () => (asked++, null),
    };
    const v = await resolveVolume(
      settings({ srcvol: '/dev/rhel/home', volgroup: 'rhel' }),
      '/home/a',
      parseMountTable(RHEL),
      dm,
      silentLogger,
    );
    assert.deepEqual([v.vg, v.lv, v.origin, v.how, asked], ['rhel', 'home', '/dev/rhel/home', 'options', 0]);
    await assert.rejects(
      resolveVolume(settings({ srcvol: '/dev/rhel/home', volgroup: 'rhel' }), '/etc', parseMountTable(RHEL), null, silentLogger),
      {
        code: 'ERR_CONFIG',
        message: /--path-to-backup \/etc is on rhel\/root \(mounted on \/\), not on rhel\/home/,
      },
    );
    // Freezer's README form: the path is inside --lvm-dirmount, so it is the snapshot's own.
    const old = await resolveVolume(
      settings({ srcvol: '/dev/mongo/mongolv', volgroup: 'mongo', dirmount: '/var/lib/snapshot-backup' }),
      '/var/lib/snapshot-backup/mongod_ops2',
      [],
      null,
      silentLogger,
    );
    assert.equal(old.sourceMount, null);
    assert.equal(
      pathInSnapshot('/var/lib/snapshot-backup/mongod_ops2', '/var/lib/snapshot-backup', old),
      '/var/lib/snapshot-backup/mongod_ops2',
    );
    await assert.rejects(resolveVolume(settings({ dirmount: '/var/snap' }), '/var/snap/x', parseMountTable(UBUNTU), null, silentLogger), {
      message: /inside --lvm-dirmount \/var\/snap, where the snapshot is to be mounted: give --lvm-srcvol/,
    });
  });

  it('prefers device-mapper facts over the mount table', async function () {
    const dm: DeviceMapper = {
      byDevice: (major, minor) => ({ name: 'data--vg-my--lv', uuid: 'LVM-abc', major, minor, openCount: 1, flags: 0, targets: [] }),
      byName: () => null,
    };
    // The mount table names it /dev/dm-3, which it cannot read.
    const v = await resolveVolume(settings(), '/', parseMountTable('/dev/dm-3 / ext4 rw 0 0\n'), dm, silentLogger);
    assert.deepEqual([v.vg, v.lv, v.origin, v.how, v.fsType], ['data-vg', 'my-lv', '/dev/data-vg/my-lv', 'device-mapper', 'ext4']);
  });
});

describe('LVM: device-mapper names and fill levels', function () {
  it('splits and builds DM names with LVM escaping', function () {
    assert.deepEqual(splitDmName('ubuntu--vg-ubuntu--lv'), { vg: 'ubuntu-vg', lv: 'ubuntu-lv' });
    assert.deepEqual(splitDmName('vg-snap-cow'), { vg: 'vg', lv: 'snap', layer: 'cow' });
    assert.equal(splitDmName('cryptroot'), null);
    assert.equal(dmNameOf('ubuntu-vg', 'snap-1'), 'ubuntu--vg-snap--1');
    assert.deepEqual(lvOfDmDevice({ name: 'vg-lv', uuid: 'LVM-x', major: 253, minor: 0, openCount: 0, flags: 0, targets: [] }), {
      vg: 'vg',
      lv: 'lv',
    });
    assert.equal(lvOfDmDevice({ name: 'luks-1', uuid: 'CRYPT-LUKS2-x', major: 253, minor: 0, openCount: 0, flags: 0, targets: [] }), null);
    assert.equal(lvOfDmDevice({ name: 'vg-lv-real', uuid: 'LVM-x-real', major: 253, minor: 0, openCount: 0, flags: 0, targets: [] }), null);
    assert.deepEqual(splitDev(0xfd03n), { major: 253, minor: 3 });
    // glibc's makedev(253, 0x1203): the minor's high bits sit above the major's.
    assert.deepEqual(splitDev((253n << 8n) | 0x03n | (0x1200n << 12n)), { major: 253, minor: 0x1203 });
  });

  it('reads the kernel status line and lvs output', function () {
    assert.deepEqual(fillOfStatus('1024/2097152 16'), { valid: true, percent: (100 * 1024) / 2097152 });
    assert.equal(fillOfStatus('Invalid').valid, false);
    assert.equal(fillOfStatus('Overflow').valid, false);
    assert.deepEqual(fillOfLvs('  swi-aos---  12.50\n'), { valid: true, percent: 12.5 });
    assert.deepEqual(fillOfLvs('  swi-I-s---  100.00\n'), { valid: false, why: 'lvs reports it invalid (it filled up)' });
    assert.deepEqual(fillOfLvs('  swi-a-s---  100.00\n'), { valid: false, why: 'lvs reports it 100% full' });
    assert.equal(fillOfLvs(''), null);
    assert.deepEqual(parseLvsNames('  root|\n  snap1|root\n'), [
      { name: 'root', origin: '' },
      { name: 'snap1', origin: 'root' },
    ]);
  });
});

describe('LVM: snapshot names and options', function () {
  it('names snapshots with LVM-legal characters, per chain', function () {
    const n = newSnapshotName('web 1_files/ä;rm -rf');
    assert.match(n, /^permafrost_snap_web_1_files___rm_-rf_[0-9a-f]{8}_[0-9a-f]{8}$/);
    assert.equal(lvmNameProblem(n), null);
    assert.ok(n.startsWith(chainPrefix('web 1_files/ä;rm -rf')));
    assert.notEqual(chainPrefix('a/b'), chainPrefix('a_b'), 'chains that read the same once made legal keep apart');
    assert.equal(lvmNameProblem(newSnapshotName('host_tdata')), null, 'a reserved part of a chain name is broken up');
    assert.ok(newSnapshotName('x'.repeat(200)).length <= 64);
    assert.match(lvmNameProblem('-x') ?? '', /cannot start with -/);
    assert.match(lvmNameProblem('snapshot1') ?? '', /reserves/);
    assert.match(lvmNameProblem('a b') ?? '', /only letters/);
  });

  it('takes the --lvm-* options with Freezer defaults and refuses bad values by name', function () {
    const s = lvmSettingsFrom(lvmOpts('--lvm-srcvol', '/dev/vg/lv', '--lvm-dirmount', '/mnt/snap'));
    assert.deepEqual(
      [s.srcvol, s.volgroup, s.perm, s.size, s.dirmount, s.snapname],
      ['/dev/vg/lv', undefined, 'ro', '1G', '/mnt/snap', undefined],
    );
    assert.equal(lvmSettingsFrom(lvmOpts('--lvm-snapsize', '10%ORIGIN', '--lvm-snap-perm', 'rw')).perm, 'rw');
    const bad: [string[], RegExp][] = [
      [['--lvm-snapsize', '1G; reboot'], /--lvm-snapsize: 1G; reboot/],
      [['--lvm-snapname', 'x y'], /--lvm-snapname: x y: only letters/],
      [['--lvm-volgroup', '../vg'], /--lvm-volgroup/],
      [['--lvm-srcvol', 'vg'], /--lvm-srcvol: vg \(a logical volume/],
      [['--lvm-srcvol', '/dev/a/b', '--lvm-volgroup', 'c'], /--lvm-srcvol \/dev\/a\/b is in volume group a, not in --lvm-volgroup c/],
      [['--lvm-dirmount', 'rel/dir'], /--lvm-dirmount: rel\/dir \(an absolute path\)/],
    ];
    for (const [args, message] of bad)
      assert.throws(() => lvmSettingsFrom(lvmOpts(...args)), { code: 'ERR_USAGE', message }, args.join(' '));
    assert.throws(() => lvmOpts('--lvm-snap-perm', 'rx'), { code: 'ERR_USAGE' });
  });

  it('reads --lvm-srcvol in every form lvm tools take', function () {
    assert.deepEqual(lvOfVolumeArg('vg/lv'), { vg: 'vg', lv: 'lv' });
    assert.deepEqual(lvOfVolumeArg('/dev/mapper/my--vg-lv'), { vg: 'my-vg', lv: 'lv' });
    assert.deepEqual(lvOfVolumeArg('/dev/jenkins/jenkins-home'), { vg: 'jenkins', lv: 'jenkins-home' });
  });
});
