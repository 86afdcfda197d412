// The addon's device-mapper calls (native/core/dm_ioctl.h): the parser of DM_TABLE_STATUS
// answers over buffers laid out as linux/dm-ioctl.h has them (struct dm_ioctl 312 bytes,
// struct dm_target_spec 40), the checks at the door, and, where the kernel has device-mapper,
// the real ioctls.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { native } from '../src/native.js';
import { checkDmDevice, checkDmName, systemDeviceMapper } from '../src/snapshot/lvm-dm.js';

const HEADER = 312;
const SPEC = 40;

interface Target {
  start: number;
  length: number;
  type: string;
  status: string;
}

/** A DM_TABLE_STATUS answer as the kernel writes it (retrieve_status in drivers/md/dm-ioctl.c). */
function answer(o: { name: string; uuid: string; major: number; minor: number; targets: Target[]; size?: number }): Buffer {
  const buf = Buffer.alloc(o.size ?? 4096);
  buf.writeUInt32LE(4, 0);
  buf.writeUInt32LE(47, 4);
  buf.writeUInt32LE(HEADER, 16); // data_start
  buf.writeUInt32LE(o.targets.length, 20); // target_count
  buf.writeInt32LE(2, 24); // open_count
  buf.writeUInt32LE(32, 28); // flags: DM_ACTIVE_PRESENT_FLAG
  buf.writeBigUInt64LE(BigInt((o.major << 8) | (o.minor & 0xff) | ((o.minor & ~0xff) << 12)), 40);
  buf.write(o.name, 48);
  buf.write(o.uuid, 176);
  let at = 0;
  for (const [i, t] of o.targets.entries()) {
    const spec = HEADER + at;
    buf.writeBigUInt64LE(BigInt(t.start), spec);
    buf.writeBigUInt64LE(BigInt(t.length), spec + 8);
    buf.write(t.type, spec + 24);
    buf.write(t.status + '\0', spec + SPEC);
    const end = at + SPEC + Buffer.byteLength(t.status) + 1;
    const next = (end + 7) & ~7;
    if (i + 1 < o.targets.length) buf.writeUInt32LE(next, spec + 20);
    at = next;
    buf.writeUInt32LE(HEADER + end, 12); // data_size: what was used
  }
  if (o.targets.length === 0) buf.writeUInt32LE(HEADER, 12);
  return buf;
}

const snap = { name: 'vg0-permafrost_snap_x', uuid: 'LVM-abcdefabcdef', major: 253, minor: 4 };

describe('native device-mapper calls', function () {
  it('parses a snapshot status answer, Invalid included', function () {
    const ok = native._dmParseStatus(
      answer({ ...snap, targets: [{ start: 0, length: 2097152, type: 'snapshot', status: '1024/2097152 16' }] }),
    );
    assert.deepEqual(ok, {
      name: snap.name,
      uuid: snap.uuid,
      major: 253,
      minor: 4,
      openCount: 2,
      flags: 32,
      targets: [{ start: 0, length: 2097152, type: 'snapshot', status: '1024/2097152 16' }],
    });
    const invalid = native._dmParseStatus(
      answer({ ...snap, minor: 0x1203, targets: [{ start: 0, length: 8, type: 'snapshot', status: 'Invalid' }] }),
    );
    assert.equal(invalid?.targets[0].status, 'Invalid');
    assert.equal(invalid?.minor, 0x1203, 'minors above 255 are decoded as the kernel encodes them');
  });

  it('follows several targets by their next offsets', function () {
    const targets = [
      { start: 0, length: 100, type: 'linear', status: '' },
      { start: 100, length: 50, type: 'striped', status: '2 256 8:16 A' },
      { start: 150, length: 10, type: 'linear', status: '' },
    ];
    assert.deepEqual(native._dmParseStatus(answer({ ...snap, targets }))?.targets, targets);
    assert.deepEqual(native._dmParseStatus(answer({ ...snap, targets: [] }))?.targets, []);
  });

  it('refuses malformed answers instead of reading past them', function () {
    const good = answer({ ...snap, targets: [{ start: 0, length: 8, type: 'snapshot', status: 'Invalid' }] });
    assert.equal(native._dmParseStatus(good.subarray(0, 100)), null, 'shorter than struct dm_ioctl');
    const big = Buffer.from(good);
    big.writeUInt32LE(good.length + 1, 12);
    assert.equal(native._dmParseStatus(big), null, 'data_size past the buffer');
    const start = Buffer.from(good);
    start.writeUInt32LE(10, 16);
    assert.equal(native._dmParseStatus(start), null, 'data_start inside the header');
    const count = Buffer.from(good);
    count.writeUInt32LE(1000, 20);
    assert.equal(native._dmParseStatus(count), null, 'more targets than the data holds');
    const unterminated = Buffer.from(good);
    unterminated.writeUInt32LE(HEADER + SPEC + 3, 12); // ends inside "Invalid"
    assert.equal(native._dmParseStatus(unterminated), null, 'a status line without its NUL');
    const two = answer({
      ...snap,
      targets: [
        { start: 0, length: 1, type: 'linear', status: 'a' },
        { start: 1, length: 1, type: 'linear', status: 'b' },
      ],
    });
    const back = Buffer.from(two);
    back.writeUInt32LE(0, HEADER + 20);
    assert.equal(native._dmParseStatus(back), null, 'a next offset that does not move forward');
    const far = Buffer.from(two);
    far.writeUInt32LE(1 << 20, HEADER + 20);
    assert.equal(native._dmParseStatus(far), null, 'a next offset past the data');
    // Names that fill their fields without a NUL are cut at the field's end.
    const full = Buffer.from(good);
    full.fill(0x41, 48, 176);
    full.fill(0x42, 176, 305);
    const p = native._dmParseStatus(full);
    assert.equal(p?.name, 'A'.repeat(128));
    assert.equal(p?.uuid, 'B'.repeat(129));
  });

  it('checks its arguments before any ioctl', function () {
    assert.throws(() => native.dmStatus('x'.repeat(128), 0, 0), { name: 'RangeError', message: /shorter than 128 bytes/ });
    assert.throws(() => native.dmStatus('', 0, 0), { name: 'TypeError', message: /a name or a device number/ });
    assert.throws(() => native.dmStatus('vg-lv', 253, 0), { name: 'TypeError', message: /not both/ });
    assert.throws(() => native.dmStatus('a\0b', 0, 0), { name: 'TypeError', message: /NUL/ });
    assert.throws(() => native.dmStatus('', 4096, 0), { name: 'RangeError', message: /major/ });
    assert.throws(() => native.dmStatus('', 1, -1), { name: 'RangeError', message: /minor/ });
    assert.throws(() => native._dmParseStatus('x' as unknown as Buffer), { name: 'TypeError' });
    // The TypeScript edge checks the same before the addon is called.
    assert.throws(() => checkDmName('é'.repeat(64)), { name: 'RangeError', message: /1\.\.127 bytes/ });
    assert.throws(() => checkDmName(''), RangeError);
    assert.throws(() => checkDmDevice(0, 0), { message: /not a device number: 0:0/ });
    assert.throws(() => checkDmDevice(253, 1 << 20), RangeError);
    assert.throws(() => checkDmDevice(1.5, 1), RangeError);
    checkDmName('vg-lv');
    checkDmDevice(253, 3);
  });

  it('answers DM_VERSION and DM_TABLE_STATUS from the kernel', function () {
    if (!fs.existsSync('/dev/mapper/control')) {
      assert.throws(() => native.dmVersion(), { code: 'ERR_ERRNO', errno: 2 });
      assert.equal(systemDeviceMapper(), null, 'no device-mapper: the provider falls back to the mount table and lvs');
      console.log('      skipped: this kernel has no device-mapper (/dev/mapper/control is absent); only the fallback was checked');
      this.skip();
    }
    const [major] = native.dmVersion();
    assert.equal(major, 4);
    assert.equal(native.dmStatus('permafrost-no-such-device-here', 0, 0), null);
    for (const name of fs.readdirSync('/dev/mapper').filter((n) => n !== 'control')) {
      const d = native.dmStatus(name, 0, 0);
      assert.ok(d, name);
      assert.equal(d.name, name);
      assert.equal(native.dmStatus('', d.major, d.minor)?.name, name, 'the same device by its number');
    }
  });
});
