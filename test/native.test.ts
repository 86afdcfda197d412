// Tests for the native addon (native/). Every assertion is on real bytes: our codecs are
// checked against the stock gzip/pigz/bzip2/xz/zstd tools and our crypto against `openssl enc`
// and node:crypto.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, createHmac, pbkdf2Sync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { native, type CodecKind, type NativeCodecStream } from '../src/native.js';
import { prng as randomBytes } from './helpers/tree.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const KINDS: CodecKind[] = ['gzip', 'bzip2', 'xz', 'zstd'];
const LEVEL: Record<CodecKind, number> = { gzip: 6, bzip2: 9, xz: 3, zstd: 3 };
const MiB = 1 << 20;

/** Skips a test that this machine cannot run, saying why in the output. */
function skipBecause(ctx: Mocha.Context, why: string): never {
  console.log(`      skipped: ${why}`);
  ctx.skip();
}

// Alternating random and highly compressible stretches.
function mixedBytes(n: number, seed: number): Buffer {
  const parts: Buffer[] = [];
  let total = 0;
  for (let i = 0; total < n; i++) {
    const piece =
      i % 2 === 0
        ? randomBytes(50_000, seed + i)
        : Buffer.from(Array.from({ length: 2500 }, (_, j) => `line ${j} of permafrost block ${i}\n`).join(''));
    parts.push(piece);
    total += piece.length;
  }
  return Buffer.concat(parts).subarray(0, n);
}

const BIG = mixedBytes(3 * MiB + 12345, 7);
const MEDIUM = mixedBytes(200_000, 11);

function tool(argv: string[], input?: Buffer): Buffer {
  const r = spawnSync(argv[0], argv.slice(1), { input, maxBuffer: 512 * MiB });
  if (r.error) throw r.error;
  assert.equal(r.status, 0, `${argv.join(' ')} exited ${r.status}: ${r.stderr.toString()}`);
  return r.stdout;
}

function hasTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

interface Driven {
  out: Buffer;
  ended: boolean;
  calls: number;
}

// Feeds `input` in `inChunk` slices into fresh `outSize` output buffers, the way the TS
// layer does, finishing with the last slice and continuing until the codec is done.
async function drive(s: NativeCodecStream, input: Buffer, outSize: number, inChunk = 1 << 30): Promise<Driven> {
  const parts: Buffer[] = [];
  let pos = 0;
  let calls = 0;
  for (;;) {
    const end = Math.min(input.length, pos + inChunk);
    const finish = end === input.length;
    const out = Buffer.alloc(outSize);
    const [consumed, produced, ended] = await s.process(input.subarray(pos, end), out, finish);
    calls++;
    assert.ok(consumed >= 0 && consumed <= end - pos, 'consumed within input');
    assert.ok(produced >= 0 && produced <= outSize, 'produced within output');
    parts.push(out.subarray(0, produced));
    pos += consumed;
    if (finish && pos === input.length && (ended || produced < outSize)) {
      return { out: Buffer.concat(parts), ended, calls };
    }
    assert.ok(calls < 2_000_000, 'codec makes progress');
  }
}

async function encode(kind: CodecKind, input: Buffer, outSize = MiB, inChunk?: number, threads = 1, level = LEVEL[kind]) {
  const s = new native.CodecStream(kind, false, level, threads);
  const r = await drive(s, input, outSize, inChunk);
  assert.equal(r.ended, true, 'encoder ends its stream');
  s.close();
  return r.out;
}

async function decode(kind: CodecKind, input: Buffer, outSize = MiB, inChunk?: number) {
  const s = new native.CodecStream(kind, true, 0, 1);
  try {
    const r = await drive(s, input, outSize, inChunk);
    assert.equal(r.ended, true, 'decoder reports a clean end');
    return r.out;
  } finally {
    s.close();
  }
}

const stockDecompress: Record<CodecKind, string[]> = {
  gzip: ['gzip', '-dc'],
  bzip2: ['bzip2', '-dc'],
  xz: ['xz', '-dc'],
  zstd: ['zstd', '-dc'],
};

const stockCompress: Record<CodecKind, string[][]> = {
  gzip: [['gzip', '-c'], ['gzip', '-1', '-c'], ...(hasTool('pigz') ? [['pigz', '-p', '2', '-b', '128', '-c']] : [])],
  bzip2: [
    ['bzip2', '-c'],
    ['bzip2', '-1', '-c'],
  ],
  xz: [
    ['xz', '-T2', '-c'],
    ['xz', '-T2', '--block-size=1MiB', '-1', '-c'],
    ['xz', '--check=sha256', '-0', '-c'],
  ],
  zstd: [
    ['zstd', '-T2', '-c'],
    ['zstd', '-T2', '-19', '--no-check', '-c'],
  ],
};

function assertCode(code: string) {
  return (err: unknown) => {
    assert.ok(err instanceof Error, 'an Error');
    assert.equal((err as Error & { code?: string }).code, code, err.message);
    return true;
  };
}

describe('native addon', function () {
  this.timeout(120_000);

  it('ships a linux-x64 prebuild with every export that native/addon.cc declares', function () {
    // An npm install without build tools loads the prebuild: a stale one would lack newer exports.
    // The source's export table is the reference, so this holds with or without a source build.
    if (process.platform !== 'linux' || process.arch !== 'x64')
      return skipBecause(this, `the prebuild is for linux-x64, this is ${process.platform}-${process.arch}`);
    const declared = [...fs.readFileSync(path.join(root, 'native', 'addon.cc'), 'utf8').matchAll(/exports\.Set\("(\w+)"/g)]
      .map((m) => m[1])
      .sort();
    assert.ok(declared.length > 10, `found only ${declared.length} exports in native/addon.cc`);
    // Each in its own process: glibc hands back an already loaded library of the same soname.
    const exportsOf = (file: string): string[] => {
      const r = spawnSync(
        process.execPath,
        [
          '-e',
          'const m = { exports: {} }; process.dlopen(m, process.argv[1]); console.log(JSON.stringify(Object.keys(m.exports).sort()))',
          file,
        ],
        { encoding: 'utf8' },
      );
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout) as string[];
    };
    assert.deepEqual(
      exportsOf(path.join(root, 'prebuilds', 'linux-x64', 'permafrost.node')),
      declared,
      'run `npm run prebuild` and commit prebuilds/',
    );
    const built = path.join(root, 'build', 'Release', 'permafrost.node');
    if (fs.existsSync(built)) assert.deepEqual(exportsOf(built), declared, 'the source build differs from native/addon.cc: rebuild it');
  });

  it('reports library versions', () => {
    for (const name of ['bzip2', 'xz', 'zstd', 'zlib', 'openssl']) {
      assert.match(native.versions[name], /^\d+\.\d+(\.\d+)?/, name);
    }
    assert.equal(native.versions.zlib, process.versions.zlib.replace(/-.*/, ''));
    assert.equal(native.versions.openssl, process.versions.openssl.replace(/\+.*/, ''));
  });

  for (const kind of KINDS) {
    describe(`${kind} codec`, () => {
      const sizes: Array<[string, Buffer]> = [
        ['0 B', Buffer.alloc(0)],
        ['1 B', Buffer.from([0x5a])],
        ['64 KiB + 1', randomBytes(65_537, 3)],
        ['~3 MiB mixed', BIG],
      ];
      for (const [label, data] of sizes) {
        const outSizes = data.length > 100_000 ? [1000, MiB] : [7, 1000, MiB];
        it(`round-trips ${label} through CodecStream (out ${outSizes.join('/')}), stock ${kind} agrees`, async () => {
          const packed = await encode(kind, data, 4096, 100_003);
          assert.deepEqual(await encode(kind, data, MiB), packed, 'output independent of buffer sizes');
          assert.ok(tool(stockDecompress[kind], packed).equals(data), `${kind} -d reads our stream`);
          for (const outSize of outSizes) {
            const inChunk = outSize === 7 ? 5 : 65_536;
            assert.ok((await decode(kind, packed, outSize, inChunk)).equals(data), `decode with out=${outSize}`);
          }
          if (outSizes.includes(7)) {
            assert.ok(tool(stockDecompress[kind], await encode(kind, data, 7, 3)).equals(data), 'tiny buffers encode');
          }
        });
      }

      it('reads what the stock tools write, including concatenations', async () => {
        for (const argv of stockCompress[kind]) {
          const packed = tool(argv, BIG);
          assert.ok((await decode(kind, packed, MiB, 300_000)).equals(BIG), argv.join(' '));
          const two = Buffer.concat([tool(argv, MEDIUM), tool(argv, Buffer.alloc(0)), packed]);
          assert.ok((await decode(kind, two, 65_536)).equals(Buffer.concat([MEDIUM, BIG])), `${argv.join(' ')} x3`);
        }
      });

      it('compressMember outputs, concatenated and produced in parallel, decode with the stock tool', async () => {
        const cuts = [0, 1, 700_000, 700_000, 1_900_000, BIG.length];
        const pieces = cuts.slice(1).map((end, i) => BIG.subarray(cuts[i], end));
        const members = await Promise.all(pieces.map((p) => native.compressMember(kind, LEVEL[kind], p)));
        for (const m of members) assert.ok(Buffer.isBuffer(m) && m.length > 0);
        const joined = Buffer.concat(members);
        assert.ok(tool(stockDecompress[kind], joined).equals(BIG), `${kind} -d reads concatenated members`);
        assert.ok((await decode(kind, joined, 100_000, 77_777)).equals(BIG), 'our decoder too');
        const single = await native.compressMember(kind, LEVEL[kind], MEDIUM);
        // zstd members differ only by the content size recorded in the frame header.
        if (kind !== 'zstd') assert.ok(single.equals(await encode(kind, MEDIUM)), 'same bytes as CodecStream');
      });

      it('compressMember: the same input gives the same bytes whatever the pool threads compressed before', async () => {
        // Pool threads keep their encoder (and 1 MiB members reuse output blocks) between jobs.
        const mib = BIG.subarray(0, MiB);
        const first = await native.compressMember(kind, LEVEL[kind], mib);
        const levels = [LEVEL[kind], kind === 'zstd' ? 19 : 9, 1];
        await Promise.all([...levels.map((l) => native.compressMember(kind, l, MEDIUM)), native.compressMember(kind, LEVEL[kind], BIG)]);
        const again = await Promise.all(Array.from({ length: 6 }, () => native.compressMember(kind, LEVEL[kind], mib)));
        for (const [i, a] of again.entries()) assert.ok(a.equals(first), `member ${i} identical to the first`);
        assert.ok(tool(stockDecompress[kind], Buffer.concat(again)).equals(Buffer.concat(again.map(() => mib))), `${kind} -d reads them`);
      });

      it("compressMemberInto writes the member compressMember makes into the caller's buffer, or says it needs more room", async () => {
        for (const input of [Buffer.alloc(0), MEDIUM, randomBytes(MiB, 9)]) {
          const expected = await native.compressMember(kind, LEVEL[kind], input);
          const out = Buffer.alloc(native.memberCapacity(input.length) + 10, 0xaa);
          const n = await native.compressMemberInto(kind, LEVEL[kind], input, out);
          assert.equal(n, expected.length, `length for ${input.length} bytes`);
          assert.ok(out.subarray(0, n).equals(expected), `bytes for ${input.length} bytes`);
          assert.ok(
            out.subarray(native.memberCapacity(input.length)).every((b) => b === 0xaa),
            'nothing past the capacity written',
          );
          assert.ok(native.memberCapacity(input.length) >= expected.length, 'memberCapacity holds incompressible input');
        }
        const random = randomBytes(200_000, 10);
        assert.equal(await native.compressMemberInto(kind, LEVEL[kind], random, Buffer.alloc(1000)), -1, 'too small');
        // The encoder left mid-member by that call starts clean on the next one.
        assert.ok((await native.compressMember(kind, LEVEL[kind], MEDIUM)).equals(await native.compressMember(kind, LEVEL[kind], MEDIUM)));
        const shared = Buffer.alloc(4096);
        assert.throws(() => native.compressMemberInto(kind, LEVEL[kind], shared.subarray(0, 2048), shared.subarray(1024)), RangeError);
        assert.throws(() => native.compressMemberInto(kind, LEVEL[kind], MEDIUM, Buffer.alloc(0)), RangeError);
      });

      it('reports streamEnd exactly at member boundaries', async () => {
        const a = await native.compressMember(kind, LEVEL[kind], MEDIUM);
        const b = await native.compressMember(kind, LEVEL[kind], Buffer.from('second member'));
        const s = new native.CodecStream(kind, true, 0, 1);
        const out = Buffer.alloc(MiB);
        let r = await s.process(a.subarray(0, a.length - 1), out, false);
        assert.equal(r[2], false, 'not ended one byte short');
        assert.equal(r[0], a.length - 1);
        r = await s.process(a.subarray(a.length - 1), out.subarray(r[1]), false);
        assert.deepEqual([r[0], r[2]], [1, true], 'ended after the last byte of the first member');
        r = await s.process(b.subarray(0, 3), out, false);
        assert.deepEqual([r[0], r[2]], [3, false], 'a started second member is not a clean end');
        await assert.rejects(s.process(Buffer.alloc(0), out, true), assertCode('ERR_TRUNCATED'));
        s.close();
      });

      it('rejects truncated input with ERR_TRUNCATED', async () => {
        const packed = await native.compressMember(kind, LEVEL[kind], MEDIUM);
        for (const len of [0, 3, Math.floor(packed.length / 2), packed.length - 1]) {
          await assert.rejects(decode(kind, packed.subarray(0, len), MiB), assertCode('ERR_TRUNCATED'), `len ${len}`);
        }
      });

      it('rejects corrupt data, bad checksums and trailing garbage with ERR_CORRUPT', async () => {
        const packed = await native.compressMember(kind, LEVEL[kind], MEDIUM);
        const flip = (at: number) => {
          const c = Buffer.from(packed);
          c[at] ^= 0xff;
          return c;
        };
        await assert.rejects(decode(kind, flip(Math.floor(packed.length / 2))), assertCode('ERR_CORRUPT'), 'middle');
        // Near the end: the gzip CRC-32/ISIZE, bzip2 stream CRC, xz index/footer, zstd checksum.
        await assert.rejects(decode(kind, flip(packed.length - 2)), assertCode('ERR_CORRUPT'), 'trailer');
        await assert.rejects(decode(kind, flip(1)), assertCode('ERR_CORRUPT'), 'magic');
        const garbage = Buffer.concat([packed, Buffer.from('trailing garbage')]);
        await assert.rejects(decode(kind, garbage), assertCode('ERR_CORRUPT'), 'trailing garbage');
        // The error is sticky: the stream is unusable afterwards.
        const s = new native.CodecStream(kind, true, 0, 1);
        await assert.rejects(s.process(flip(1), Buffer.alloc(MiB), true), assertCode('ERR_CORRUPT'));
        await assert.rejects(s.process(packed, Buffer.alloc(MiB), true), assertCode('ERR_CORRUPT'));
      });
    });
  }

  it('xz: stream padding between streams follows xz -d (multiple of 4 only)', async () => {
    const a = await native.compressMember('xz', 1, Buffer.from('hello '));
    const b = await native.compressMember('xz', 1, Buffer.from('world'));
    const good = Buffer.concat([a, Buffer.alloc(8), b, Buffer.alloc(4)]);
    assert.equal(tool(['xz', '-dc'], good).toString(), 'hello world');
    assert.equal((await decode('xz', good, 1000, 3)).toString(), 'hello world');
    await assert.rejects(decode('xz', Buffer.concat([a, Buffer.alloc(3), b])), assertCode('ERR_CORRUPT'));
    await assert.rejects(decode('xz', Buffer.concat([a, Buffer.alloc(2)])), assertCode('ERR_CORRUPT'));
  });

  it('xz and zstd multithreaded encoders write streams the stock tools read', async () => {
    for (const kind of ['xz', 'zstd'] as const) {
      const packed = await encode(kind, BIG, 65_536, 250_000, 2, 1);
      assert.ok(tool(stockDecompress[kind], packed).equals(BIG), kind);
      assert.ok((await decode(kind, packed)).equals(BIG), kind);
    }
    // Stream header flags: check type 0x04 = CRC64, what `xz` writes by default.
    for (const threads of [1, 2]) {
      const header = (await encode('xz', Buffer.from('x'), MiB, undefined, threads, 0)).subarray(0, 8);
      assert.deepEqual([...header], [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00, 0x04], `threads ${threads}`);
    }
  });

  it('gzip: header is zlib default (no name, mtime 0, unix), levels 1 and 9 differ from 6', async () => {
    const packed = await native.compressMember('gzip', 6, MEDIUM);
    assert.deepEqual([...packed.subarray(0, 10)], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
    const fast = await native.compressMember('gzip', 1, MEDIUM);
    const best = await native.compressMember('gzip', 9, MEDIUM);
    assert.ok(fast.length > best.length);
    assert.equal(packed.readUInt32LE(packed.length - 4), MEDIUM.length, 'ISIZE');
  });

  it('encoder state rules: input after finish, busy, closed', async () => {
    const s = new native.CodecStream('bzip2', false, 9, 1);
    const p = s.process(MEDIUM, Buffer.alloc(100), true);
    assert.throws(() => s.process(MEDIUM, Buffer.alloc(100), true), assertCode('ERR_BUSY'));
    const [consumed, , ended] = await p;
    assert.equal(ended, false);
    assert.equal(consumed, MEDIUM.length, 'all input consumed before the stream is flushed');
    await assert.rejects(s.process(Buffer.from('x'), Buffer.alloc(100), true), assertCode('ERR_STATE'));
    s.close();
    assert.throws(() => s.process(Buffer.alloc(0), Buffer.alloc(10), true), assertCode('ERR_CLOSED'));
    s.close();

    // close() during a call is deferred until the call settles.
    const t = new native.CodecStream('zstd', false, 3, 1);
    const q = t.process(BIG, Buffer.alloc(MiB), false);
    t.close();
    const [c1] = await q;
    assert.ok(c1 > 0);
    assert.throws(() => t.process(Buffer.alloc(0), Buffer.alloc(10), true), assertCode('ERR_CLOSED'));
  });

  it('validates codec arguments', async () => {
    const ok = Buffer.alloc(10);
    assert.throws(() => new native.CodecStream('lz4' as CodecKind, false, 1, 1), TypeError);
    assert.throws(() => new native.CodecStream('gzip', 'no' as unknown as boolean, 1, 1), TypeError);
    for (const [kind, bad] of [
      ['gzip', 0],
      ['gzip', 10],
      ['bzip2', 0],
      ['xz', -1],
      ['xz', 10],
      ['zstd', 0],
      ['zstd', 20],
      ['zstd', 1.5],
    ] as const) {
      assert.throws(() => new native.CodecStream(kind, false, bad, 1), RangeError, `${kind} ${bad}`);
      assert.throws(() => native.compressMember(kind, bad, ok), RangeError, `member ${kind} ${bad}`);
    }
    assert.throws(() => new native.CodecStream('xz', false, 6, 0), RangeError);
    assert.throws(() => new native.CodecStream('zstd', false, 3, 257), RangeError);
    assert.throws(() => new native.CodecStream('gzip', false, '6' as unknown as number, 1), TypeError);
    new native.CodecStream('xz', false, 0, 256).close();
    const s = new native.CodecStream('gzip', false, 6, 1);
    assert.throws(() => s.process('text' as unknown as Buffer, ok, false), TypeError);
    assert.throws(() => s.process(ok, null as unknown as Buffer, false), TypeError);
    assert.throws(() => s.process(ok, ok, 1 as unknown as boolean), TypeError);
    assert.throws(() => s.process(ok.subarray(0, 6), ok.subarray(4), false), RangeError, 'overlap');
    assert.throws(() => native.compressMember('gzip', 6, 'x' as unknown as Buffer), TypeError);
  });

  describe('crypto', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-native-'));
    const pwFile = path.join(tmp, 'pw');
    const password = Buffer.from('correct horse battery staple');
    fs.writeFileSync(pwFile, password);
    const salt = Buffer.from('0123456789abcdef', 'hex');
    const plain = mixedBytes(1_000_003, 99);
    const plainFile = path.join(tmp, 'plain');
    fs.writeFileSync(plainFile, plain);
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    async function cfb(key: Buffer, iv: Buffer, decrypt: boolean, data: Buffer): Promise<Buffer> {
      const c = new native.Cipher(key, iv, decrypt);
      const buf = Buffer.from(data);
      // Uneven chunks, including empty ones and ones not multiple of the block size.
      const cuts = [0, 1, 1, 17, 4096, 4099, 333_333, buf.length];
      for (let i = 1; i < cuts.length; i++) {
        const chunk = buf.subarray(cuts[i - 1], cuts[i]);
        const r = await c.update(chunk);
        assert.equal(r, chunk, 'resolves with the same Buffer');
      }
      return buf;
    }

    for (const variant of [
      { kdf: 'evp' as const, iterations: 1, args: [] as string[] },
      { kdf: 'pbkdf2' as const, iterations: 1000, args: ['-pbkdf2', '-iter', '1000'] },
    ]) {
      it(`Cipher matches openssl enc -aes-256-cfb -md sha256 ${variant.args.join(' ')}`, async () => {
        const base = ['openssl', 'enc', '-aes-256-cfb', '-md', 'sha256', ...variant.args, '-pass', `file:${pwFile}`];
        // Random salt: openssl writes the "Salted__" + salt header we read the salt from.
        const theirs = tool([...base, '-in', plainFile]);
        assert.equal(theirs.subarray(0, 8).toString('latin1'), 'Salted__');
        const theirSalt = theirs.subarray(8, 16);
        const keyIv = native.deriveKeyIv(password, theirSalt, variant.kdf, variant.iterations);
        assert.equal(keyIv.length, 48);
        const ours = await cfb(keyIv.subarray(0, 32), keyIv.subarray(32), false, plain);
        assert.ok(ours.equals(theirs.subarray(16)), 'ciphertext equals openssl');
        const decryptedByOpenssl = tool([...base, '-d'], Buffer.concat([theirs.subarray(0, 16), ours]));
        assert.ok(decryptedByOpenssl.equals(plain), 'openssl enc -d decrypts ours');
        assert.ok((await cfb(keyIv.subarray(0, 32), keyIv.subarray(32), true, ours)).equals(plain), 'we decrypt');
        // Explicit -S <salthex>: OpenSSL 3 then writes the bare ciphertext (older versions a header).
        const fixed = tool([...base, '-S', salt.toString('hex'), '-in', plainFile]);
        const body = fixed.subarray(0, 8).toString('latin1') === 'Salted__' ? fixed.subarray(16) : fixed;
        const kv = native.deriveKeyIv(password, salt, variant.kdf, variant.iterations);
        assert.ok((await cfb(kv.subarray(0, 32), kv.subarray(32), false, plain)).equals(body), '-S ciphertext');
      });
    }

    it('deriveKeyIv pbkdf2 equals node:crypto pbkdf2Sync', () => {
      for (const iterations of [1, 1000, 4096]) {
        const expected = pbkdf2Sync(password, salt, iterations, 48, 'sha256');
        assert.ok(native.deriveKeyIv(password, salt, 'pbkdf2', iterations).equals(expected), `${iterations}`);
      }
      assert.equal(native.deriveKeyIv(Buffer.alloc(0), salt, 'evp', 1).length, 48);
    });

    it('Digest matches node:crypto sha256/hmac for chunked input, per-update hashes too', async () => {
      const key = Buffer.from('hmac key for permafrost');
      const d = new native.Digest(key);
      const plainD = new native.Digest(null);
      const cuts = [0, 0, 5, 64, 65, 100_000, 1_000_000, plain.length];
      for (let i = 1; i < cuts.length; i++) {
        const chunk = plain.subarray(cuts[i - 1], cuts[i]);
        const expected = createHash('sha256').update(chunk).digest();
        const [seg, seg2] = (await Promise.all([d.update(chunk), plainD.update(chunk)])) as Buffer[];
        assert.ok(seg.equals(expected) && seg2.equals(expected), `segment ${i}`);
      }
      const [sha, hmac] = d.final();
      assert.ok(sha.equals(createHash('sha256').update(plain).digest()));
      assert.ok(hmac && hmac.equals(createHmac('sha256', key).update(plain).digest()));
      const [sha2, none] = plainD.final();
      assert.ok(sha2.equals(sha));
      assert.equal(none, null);
      assert.throws(() => d.final(), assertCode('ERR_FINISHED'));
      assert.throws(() => d.update(Buffer.from('x')), assertCode('ERR_FINISHED'));

      const empty = new native.Digest(Buffer.alloc(0));
      const [s0, h0] = empty.final();
      assert.ok(s0.equals(createHash('sha256').digest()));
      assert.ok(h0 && h0.equals(createHmac('sha256', Buffer.alloc(0)).digest()));

      const busy = new native.Digest(null);
      const p = busy.update(plain);
      assert.throws(() => busy.update(plain), assertCode('ERR_BUSY'));
      assert.throws(() => busy.final(), assertCode('ERR_BUSY'));
      await p;
    });

    it('Digest with a segment size hashes exact segments across uneven updates', async () => {
      const size = 100_003;
      const d = new native.Digest(null, size);
      const got: Buffer[] = [];
      const cuts = [0, 1, 99_999, 100_003, 100_004, 350_000, 350_000, plain.length];
      for (let i = 1; i < cuts.length; i++) got.push(...((await d.update(plain.subarray(cuts[i - 1], cuts[i]))) as Buffer[]));
      const [sha, hmac, last] = d.final();
      if (last) got.push(last);
      const expected: Buffer[] = [];
      for (let off = 0; off < plain.length; off += size)
        expected.push(
          createHash('sha256')
            .update(plain.subarray(off, off + size))
            .digest(),
        );
      assert.deepEqual(
        got.map((h) => h.toString('hex')),
        expected.map((h) => h.toString('hex')),
      );
      assert.ok(sha.equals(createHash('sha256').update(plain).digest()));
      assert.equal(hmac, null);
      assert.throws(() => new native.Digest(null, -1), RangeError);
      const exact = new native.Digest(null, 10);
      assert.equal(((await exact.update(Buffer.alloc(20))) as Buffer[]).length, 2);
      assert.equal(exact.final()[2], null, 'no partial segment after an exact multiple');
    });

    describe('Digest kernels on the 64-byte grid', () => {
      const cpuHasSha = /^flags\s*:.*\bsha_ni\b/m.test(fs.readFileSync('/proc/cpuinfo', 'utf8'));
      const kernels = [
        ['sha-extensions', undefined],
        ['openssl', '1'],
      ] as const;
      for (const [kernel, env] of kernels) {
        it(`${kernel}: whole stream, segments and HMAC (short, long, empty keys) match node:crypto over uneven updates`, async function () {
          if (kernel === 'sha-extensions' && !cpuHasSha)
            skipBecause(this, 'this CPU has no SHA extensions: only the OpenSSL kernel runs here');
          const saved = process.env.PERMAFROST_DIGEST_OPENSSL;
          if (env) process.env.PERMAFROST_DIGEST_OPENSSL = env;
          else delete process.env.PERMAFROST_DIGEST_OPENSSL;
          try {
            for (const size of [64, 4096, 65_536 * 3]) {
              for (const key of [null, Buffer.alloc(0), Buffer.from('k'), Buffer.alloc(64, 1), randomBytes(200, 7)]) {
                const d = new native.Digest(key, size);
                assert.equal(d.kernel, kernel);
                const data = plain.subarray(0, 5 * size + 63);
                const got: Buffer[] = [];
                // Cuts inside blocks, on block edges and on segment edges.
                for (let off = 0, step = 1; off < data.length; off += step, step = ((step * 7 + 13) % (2 * size)) + 1) {
                  got.push(...((await d.update(data.subarray(off, off + step))) as Buffer[]));
                }
                const [sha, hmac, last] = d.final();
                if (last) got.push(last);
                const expected: string[] = [];
                for (let off = 0; off < data.length; off += size)
                  expected.push(
                    createHash('sha256')
                      .update(data.subarray(off, off + size))
                      .digest('hex'),
                  );
                assert.deepEqual(
                  got.map((h) => h.toString('hex')),
                  expected,
                  `segments of ${size}`,
                );
                assert.equal(sha.toString('hex'), createHash('sha256').update(data).digest('hex'));
                assert.equal(hmac?.toString('hex') ?? null, key ? createHmac('sha256', key).update(data).digest('hex') : null);
                assert.throws(() => d.final(), assertCode('ERR_FINISHED'));
                assert.throws(() => d.update(Buffer.from('x')), assertCode('ERR_FINISHED'));
              }
            }
            const empty = new native.Digest(Buffer.from('key'), 64);
            const [s0, h0, chainStart] = empty.final();
            assert.equal(s0.toString('hex'), createHash('sha256').digest('hex'));
            assert.equal(h0!.toString('hex'), createHmac('sha256', 'key').digest('hex'));
            assert.equal(chainStart, null);
          } finally {
            if (saved === undefined) delete process.env.PERMAFROST_DIGEST_OPENSSL;
            else process.env.PERMAFROST_DIGEST_OPENSSL = saved;
          }
        });
      }

      for (const [kernel, env] of kernels) {
        it(`${kernel}: each segment's MD5 after its SHA-256 when asked, the stream's hashes unchanged`, async function () {
          if (kernel === 'sha-extensions' && !cpuHasSha)
            skipBecause(this, 'this CPU has no SHA extensions: only the OpenSSL kernel runs here');
          const saved = process.env.PERMAFROST_DIGEST_OPENSSL;
          if (env) process.env.PERMAFROST_DIGEST_OPENSSL = env;
          else delete process.env.PERMAFROST_DIGEST_OPENSSL;
          try {
            for (const [size, key] of [
              [64, null],
              [4096, Buffer.from('key')],
              [100_032, randomBytes(90, 3)],
            ] as const) {
              const d = new native.Digest(key, size, true);
              assert.equal(d.kernel, kernel);
              const data = plain.subarray(0, 3 * size + 5);
              const got: Buffer[] = [];
              for (let off = 0, step = 17; off < data.length; off += step, step = ((step * 5 + 3) % size) + 1) {
                got.push(...((await d.update(data.subarray(off, off + step))) as Buffer[]));
              }
              const [sha, hmac, last] = d.final();
              if (last) got.push(last);
              const expected: string[] = [];
              for (let off = 0; off < data.length; off += size) {
                const seg = data.subarray(off, off + size);
                expected.push(createHash('sha256').update(seg).digest('hex') + createHash('md5').update(seg).digest('hex'));
              }
              assert.deepEqual(
                got.map((h) => h.toString('hex')),
                expected,
                `segments of ${size}`,
              );
              assert.equal(sha.toString('hex'), createHash('sha256').update(data).digest('hex'));
              assert.equal(hmac?.toString('hex') ?? null, key ? createHmac('sha256', key).update(data).digest('hex') : null);
            }
          } finally {
            if (saved === undefined) delete process.env.PERMAFROST_DIGEST_OPENSSL;
            else process.env.PERMAFROST_DIGEST_OPENSSL = saved;
          }
        });
      }

      it('asks for a segment size with segment MD5s', () => {
        assert.throws(() => new native.Digest(null, 0, true), RangeError);
        assert.throws(() => new native.Digest(null, 64, 'yes' as unknown as boolean), TypeError);
      });

      it('uses OpenSSL off the grid (segment sizes that are not multiples of 64, or none)', () => {
        assert.equal(new native.Digest(null, 100_003).kernel, 'openssl');
        assert.equal(new native.Digest(null).kernel, 'openssl');
      });
    });

    it('setMmapThreshold tunes glibc malloc and checks its range', () => {
      // Under test:asan, ASan's allocator replaces glibc's and has no threshold to set: false.
      const asanAllocator = /libasan/.test(process.env.LD_PRELOAD ?? '');
      assert.equal(native.setMmapThreshold(512 * 1024), !asanAllocator);
      assert.throws(() => native.setMmapThreshold(1), RangeError);
      assert.throws(() => native.setMmapThreshold(64 << 20), RangeError);
    });

    it('hmacSha256 equals node:crypto', () => {
      for (const [k, m] of [
        [Buffer.from('k'), Buffer.from('message')],
        [Buffer.alloc(0), Buffer.alloc(0)],
        [randomBytes(200, 5), plain],
      ]) {
        assert.ok(native.hmacSha256(k, m).equals(createHmac('sha256', k).update(m).digest()));
      }
    });

    it('md5 of several Buffers equals node:crypto of their concatenation, off the main thread', async () => {
      const pieces = [randomBytes(1000, 9), Buffer.alloc(0), plain, randomBytes(3, 2)];
      assert.ok((await native.md5(pieces)).equals(createHash('md5').update(Buffer.concat(pieces)).digest()));
      assert.equal((await native.md5([])).toString('hex'), 'd41d8cd98f00b204e9800998ecf8427e');
      assert.throws(() => native.md5([Buffer.alloc(1), 'x' as unknown as Buffer]), TypeError);
      assert.throws(() => native.md5(Buffer.alloc(1) as unknown as Buffer[]), TypeError);
    });

    it('validates crypto arguments', async () => {
      const key = Buffer.alloc(32);
      const iv = Buffer.alloc(16);
      assert.throws(() => new native.Cipher(Buffer.alloc(31), iv, false), RangeError);
      assert.throws(() => new native.Cipher(Buffer.alloc(33), iv, false), RangeError);
      assert.throws(() => new native.Cipher(key, Buffer.alloc(15), false), RangeError);
      assert.throws(() => new native.Cipher('k'.repeat(32) as unknown as Buffer, iv, false), TypeError);
      assert.throws(() => new native.Cipher(key, iv, 0 as unknown as boolean), TypeError);
      const c = new native.Cipher(key, iv, false);
      assert.throws(() => c.update('x' as unknown as Buffer), TypeError);
      const p = c.update(Buffer.alloc(100_000));
      assert.throws(() => c.update(Buffer.alloc(1)), assertCode('ERR_BUSY'));
      await p;
      assert.throws(() => native.deriveKeyIv(password, Buffer.alloc(7), 'evp', 1), RangeError);
      assert.throws(() => native.deriveKeyIv(password, salt, 'pbkdf2', 0), RangeError);
      assert.throws(() => native.deriveKeyIv(password, salt, 'scrypt' as 'evp', 1), TypeError);
      assert.throws(() => new native.Digest('key' as unknown as Buffer), TypeError);
      assert.throws(() => native.hmacSha256(Buffer.alloc(1), 'x' as unknown as Buffer), TypeError);
    });
  });

  describe('system', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-native-sys-'));
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it('mknod creates FIFOs (and devices when permitted); errors carry errno', () => {
      const fifo = path.join(tmp, 'fifo');
      native.mknod(fifo, fs.constants.S_IFIFO | 0o640, 0, 0);
      const st = fs.statSync(fifo);
      assert.ok(st.isFIFO());
      assert.equal(st.mode & 0o777, 0o640 & ~process.umask());
      assert.throws(
        () => native.mknod(fifo, fs.constants.S_IFIFO | 0o600, 0, 0),
        (e: Error & { code?: string; errno?: number }) =>
          e.code === 'ERR_ERRNO' && /File exists/.test(e.message) && e.errno === os.constants.errno.EEXIST,
      );
      const dev = path.join(tmp, 'null');
      try {
        native.mknod(dev, fs.constants.S_IFCHR | 0o600, 1, 3);
        const ds = fs.statSync(dev);
        assert.ok(ds.isCharacterDevice());
        assert.equal(ds.rdev, (1 << 8) | 3);
      } catch (e) {
        assert.equal((e as { code?: string }).code, 'ERR_ERRNO'); // no CAP_MKNOD here
      }
      assert.throws(() => native.mknod('a\0b', 0o10600, 0, 0), TypeError);
      assert.throws(() => native.mknod(dev, 0o20600, 4096, 0), RangeError);
    });

    it('sendUnixDatagram checks its arguments and reports errno: nobody listening, a file that is no socket', () => {
      const regular = path.join(tmp, 'not-a-socket');
      fs.writeFileSync(regular, '');
      const errno = (name: string) => (e: Error & { code?: string; errno?: number; syscall?: string }) =>
        e.code === 'ERR_ERRNO' && e.syscall === 'sendto' && e.errno === os.constants.errno[name as keyof typeof os.constants.errno];
      assert.throws(() => native.sendUnixDatagram(path.join(tmp, 'nobody.sock'), Buffer.from('x')), errno('ENOENT'));
      assert.throws(() => native.sendUnixDatagram(regular, Buffer.from('x')), errno('ECONNREFUSED'));
      assert.throws(() => native.sendUnixDatagram('', Buffer.from('x')), RangeError);
      assert.throws(() => native.sendUnixDatagram(`/${'a'.repeat(107)}`, Buffer.from('x')), RangeError);
      assert.throws(() => native.sendUnixDatagram('/a\0b', Buffer.from('x')), TypeError);
      assert.throws(() => native.sendUnixDatagram(regular, Buffer.alloc(MiB + 1)), RangeError);
      assert.throws(() => native.sendUnixDatagram(regular, 'x' as unknown as Buffer), TypeError);
      assert.throws(() => (native.sendUnixDatagram as unknown as (p: number, d: Buffer) => void)(1, Buffer.from('x')), TypeError);
    });

    it('tryLock takes an exclusive flock without waiting: a second open file is refused until the first closes', () => {
      const file = path.join(tmp, 'lockfile');
      fs.writeFileSync(file, '');
      const a = fs.openSync(file, 'r+');
      const b = fs.openSync(file, 'r+');
      try {
        assert.equal(native.tryLock(a, true), true);
        assert.equal(native.tryLock(b, true), false, 'another open file description holds it');
        assert.equal(native.tryLock(b, false), false, 'a shared lock conflicts with the exclusive one');
        fs.closeSync(a);
        assert.equal(native.tryLock(b, true), true, 'closing the holder released it');
      } finally {
        fs.closeSync(b);
      }
      assert.throws(() => native.tryLock(-1, true), RangeError);
      assert.throws(() => (native.tryLock as unknown as (fd: number) => boolean)(0), TypeError);
      const bad = fs.openSync(tmp, 'r');
      fs.closeSync(bad);
      assert.throws(
        () => native.tryLock(bad, true),
        (e: Error & { code?: string }) => e.code === 'ERR_ERRNO' && /^flock: Bad file descriptor$/.test(e.message),
      );
    });

    it('startWriteback starts writing dirty pages of a file out without fsync; false on a pipe; checks its arguments', async function () {
      this.timeout(20_000);
      const TMPFS_MAGIC = 0x01021994;
      if (fs.statfsSync(tmp).type === TMPFS_MAGIC)
        skipBecause(this, `${tmp} is on tmpfs, whose pages are never written back: nothing to observe`);
      const dirtyKiB = () => Number(/^Dirty:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/meminfo', 'utf8'))![1]);
      const size = 64 * MiB;
      const fd = fs.openSync(path.join(tmp, 'dirty'), 'w');
      try {
        fs.writeSync(fd, randomBytes(size, 7));
        const before = dirtyKiB();
        assert.equal(await native.startWriteback(fd, 0, size), true);
        // The kernel would otherwise keep these pages dirty for dirty_expire_centisecs (30 s).
        let after = before;
        for (let waited = 0; waited < 5000 && before - after < size / 2 / 1024; waited += 20) {
          await new Promise((r) => setTimeout(r, 20));
          after = dirtyKiB();
        }
        assert.ok(before - after >= size / 2 / 1024, `Dirty went from ${before} kB to ${after} kB`);
      } finally {
        fs.closeSync(fd);
      }
      const fifo = path.join(tmp, 'writeback-fifo');
      native.mknod(fifo, fs.constants.S_IFIFO | 0o600, 0, 0);
      const fifoFd = fs.openSync(fifo, fs.constants.O_RDWR); // Linux: does not wait for a reader
      try {
        assert.equal(await native.startWriteback(fifoFd, 0, 1), false);
      } finally {
        fs.closeSync(fifoFd);
      }
      assert.throws(() => native.startWriteback(-1, 0, 1), RangeError);
      assert.throws(() => native.startWriteback(0, -1, 1), RangeError);
      assert.throws(() => native.startWriteback(0, 0, 2 ** 53), RangeError);
      assert.throws(() => (native.startWriteback as unknown as (fd: number) => Promise<boolean>)(0), TypeError);
    });

    // The child loads the addon as every user of it does, through src/native.ts (node-gyp-build:
    // a source build when there is one, else the committed prebuild).
    const child = (code: string, uid?: number) =>
      spawnSync(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `import { createRequire } from 'node:module'; const require = createRequire(${JSON.stringify(path.join(root, 'package.json'))});\n` +
            `const { native: n } = await import(${JSON.stringify(path.join(root, 'dist', 'src', 'native.js'))});\n${code}`,
        ],
        {
          encoding: 'utf8',
          uid,
        },
      );

    it('setPriority renices and sets the I/O class of the process (in a child process)', () => {
      const r = child(`
        const os = require('os');
        const before = os.getPriority();
        n.setPriority(3, 2, 6);
        const io = require('child_process').execFileSync('ionice', ['-p', String(process.pid)], { encoding: 'utf8' });
        console.log(JSON.stringify({ delta: os.getPriority() - before, io: io.trim() }));`);
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.equal(out.delta, 3);
      assert.equal(out.io, 'best-effort: prio 6');
      assert.throws(() => native.setPriority(0, 4, 0), RangeError);
      assert.throws(() => native.setPriority(0, 2, 8), RangeError);
    });

    it('setPriority failure throws ERR_ERRNO with the errno text', function () {
      if (process.getuid?.() !== 0) skipBecause(this, 'needs root, to run a child as an unprivileged uid');
      const r = child(
        `
        try { n.setPriority(-5, 2, 0); console.log('no error'); }
        catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }`,
        65534,
      );
      if (r.status !== 0) skipBecause(this, `the addon cannot be loaded as uid 65534: ${r.stderr.trim().split('\n')[0]}`);
      const out = JSON.parse(r.stdout);
      assert.equal(out.code, 'ERR_ERRNO');
      assert.match(out.message, /^setpriority: Permission denied$/);
    });
  });
});
