// permafrost-rdiff against /usr/bin/rdiff 2.3.2: the same command lines (files, "-",
// missing trailing arguments, stdin/stdout as pipes or redirected files, rdiff's option
// spellings) must write the same bytes; failures exit with permafrost's codes and name
// the file; an existing output is only replaced with -f.
import assert from 'node:assert/strict';
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { ExitCode } from '../src/base/errors.js';
import { prng } from './helpers/rdiff-fixtures.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = path.join(root, 'bin', 'permafrost-rdiff');
const KiB = 1024;

let dir: string;
let basis: string;
let next: string;
let basisBytes: Buffer;
let nextBytes: Buffer;

/** stdin: a Buffer (a pipe), a file path (redirected: `< file`), or nothing. stdout: a pipe, or a file path (`> file`). */
interface Io {
  stdin?: Buffer | { file: string };
  stdoutFile?: string;
  env?: NodeJS.ProcessEnv;
}

function run(cmd: 'ours' | 'rdiff', args: string[], io: Io = {}): SpawnSyncReturns<Buffer> {
  const [exe, argv] = cmd === 'ours' ? [process.execPath, [BIN, ...args]] : ['rdiff', args];
  const fds: number[] = [];
  const stdin = io.stdin && !Buffer.isBuffer(io.stdin) ? fds[fds.push(fs.openSync(io.stdin.file, 'r')) - 1] : 'pipe';
  const stdout = io.stdoutFile ? fds[fds.push(fs.openSync(io.stdoutFile, 'w')) - 1] : 'pipe';
  try {
    return spawnSync(exe, argv, {
      cwd: dir,
      input: Buffer.isBuffer(io.stdin) ? io.stdin : undefined,
      stdio: [stdin, stdout, 'pipe'],
      maxBuffer: 1 << 30,
      env: io.env ?? process.env,
    });
  } finally {
    for (const fd of fds) fs.closeSync(fd);
  }
}

function ok(r: SpawnSyncReturns<Buffer>, what: string): Buffer {
  assert.equal(r.status, 0, `${what}: exit ${r.status}, stderr: ${r.stderr.toString()}`);
  return r.stdout;
}

/** The output of a command: its stdout, or the file it wrote. */
function output(cmd: 'ours' | 'rdiff', args: string[], io: Io, outFile?: string): Buffer {
  const f = (name: string | undefined) => (name ? path.join(dir, `${cmd}-${name}`) : undefined);
  const mapped = args.map((a) => (a === '@OUT' ? f(outFile)! : a));
  const stdoutFile = io.stdoutFile ? f(io.stdoutFile) : undefined;
  for (const p of [f(outFile), stdoutFile]) if (p) fs.rmSync(p, { force: true });
  const out = ok(run(cmd, mapped, { ...io, stdoutFile }), `${cmd} ${mapped.join(' ')}`);
  if (outFile) return fs.readFileSync(f(outFile)!);
  if (stdoutFile) return fs.readFileSync(stdoutFile);
  return out;
}

function same(args: string[], io: Io = {}, outFile?: string): Buffer {
  const theirs = output('rdiff', args, io, outFile);
  const ours = output('ours', args, io, outFile);
  assert.ok(ours.equals(theirs), `permafrost-rdiff ${args.join(' ')}: ${ours.length} bytes, rdiff wrote ${theirs.length} (not identical)`);
  return ours;
}

/**
 * `cat source > FIFO & cmd args`: @FIFO in args is a fresh named pipe that a background cat
 * feeds with `source`. The cat holds none of our pipes, and is released in the end even if
 * the command never opened the FIFO.
 */
function runWithFifo(
  cmd: 'ours' | 'rdiff',
  args: string[],
  source: string,
  io: { env?: NodeJS.ProcessEnv; input?: Buffer } = {},
): SpawnSyncReturns<Buffer> {
  const fifo = path.join(dir, 'basis.fifo');
  fs.rmSync(fifo, { force: true });
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
  const [exe, argv] = cmd === 'ours' ? [process.execPath, [BIN, ...args]] : ['rdiff', args];
  const script = 'cat "$1" > "$2" 2>/dev/null </dev/null & shift 2; exec "$@"';
  try {
    return spawnSync('sh', ['-c', script, 'sh', source, fifo, exe, ...argv.map((a) => (a === '@FIFO' ? fifo : a))], {
      cwd: dir,
      env: io.env ?? process.env,
      input: io.input,
      maxBuffer: 1 << 30,
    });
  } finally {
    fs.closeSync(fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK));
    fs.rmSync(fifo, { force: true });
  }
}

describe('permafrost-rdiff CLI vs rdiff 2.3.2', function () {
  before(function () {
    assert.equal(spawnSync('rdiff', ['--version']).status, 0, 'rdiff (librsync 2.3.2) is needed');
    assert.ok(fs.existsSync(path.join(root, 'dist', 'src', 'cli', 'rdiff.js')), 'build first: npx tsc -p tsconfig.json');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-rdiff-cli-'));
    basisBytes = Buffer.concat([prng(300 * KiB, 1), Buffer.from('x'.repeat(50_000)), prng(100 * KiB, 2)]);
    nextBytes = Buffer.concat([
      basisBytes.subarray(0, 1000),
      Buffer.from('inserted!'),
      basisBytes.subarray(1000, 200_000),
      basisBytes.subarray(250_000),
      prng(5000, 3),
    ]);
    basis = path.join(dir, 'basis.bin');
    next = path.join(dir, 'next.bin');
    fs.writeFileSync(basis, basisBytes);
    fs.writeFileSync(next, nextBytes);
    // References every form is compared with.
    ok(run('rdiff', ['signature', basis, 'ref.sig']), 'rdiff signature');
    ok(run('rdiff', ['delta', 'ref.sig', next, 'ref.delta']), 'rdiff delta');
  });
  after(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe("argument forms give rdiff's bytes", function () {
    it('signature BASIS SIGNATURE / delta SIGNATURE NEWFILE DELTA / patch BASIS DELTA NEWFILE (files)', function () {
      same(['signature', basis, '@OUT'], {}, 'sig');
      same(['delta', 'ref.sig', next, '@OUT'], {}, 'delta');
      const rebuilt = same(['patch', basis, 'ref.delta', '@OUT'], {}, 'new');
      assert.ok(rebuilt.equals(nextBytes));
    });

    it('missing trailing arguments and "-" are stdin/stdout (pipes)', function () {
      same(['signature', basis]);
      same(['signature', basis, '-']);
      same(['signature'], { stdin: basisBytes }); // a pipe: size unknown, 2048-byte blocks
      same(['signature', '-', '-'], { stdin: basisBytes });
      same(['delta', 'ref.sig', next]);
      same(['delta', 'ref.sig'], { stdin: nextBytes });
      same(['delta', 'ref.sig', '-', '@OUT'], { stdin: nextBytes }, 'delta');
      same(['delta', '-', next], { stdin: fs.readFileSync(path.join(dir, 'ref.sig')) });
      assert.ok(same(['patch', basis, 'ref.delta']).equals(nextBytes));
      assert.ok(same(['patch', basis], { stdin: fs.readFileSync(path.join(dir, 'ref.delta')) }).equals(nextBytes));
      same(['patch', basis, '-', '@OUT'], { stdin: fs.readFileSync(path.join(dir, 'ref.delta')) }, 'new');
    });

    it('stdin and stdout redirected to files (`< file`, `> file`): the size is known, as for rdiff', function () {
      same(['signature'], { stdin: { file: basis } });
      same(['signature'], { stdin: { file: basis }, stdoutFile: 'sig.out' });
      same(['signature', basis], { stdoutFile: 'sig.out' });
      same(['delta', 'ref.sig'], { stdin: { file: next }, stdoutFile: 'delta.out' });
      same(['patch', basis], { stdin: { file: path.join(dir, 'ref.delta') }, stdoutFile: 'new.out' });
      same(['patch', '-', 'ref.delta'], { stdin: { file: basis } }); // a seekable basis on stdin
    });

    it("rdiff's option spellings: -b/-S/-H/-R, long forms, =, clusters, hex, action prefixes", function () {
      const forms = [
        ['-b', '512', '-S', '8', 'signature', basis],
        ['--block-size=1024', '--sum-size', '12', 'signature', basis],
        ['-H', 'md4', 'signature', basis],
        ['--hash=md4', '--rollsum=rollsum', 'signature', basis],
        ['-R', 'rollsum', '-S', '-1', 'signature', basis],
        ['-fb512', 'signature', basis],
        ['-b=0x200', 'sig', basis],
        ['signature', '-b', '700', basis], // options after the action, as popt allows
        ['-I', '65536', '-O', '4096', 'signature', basis],
        ['-b', '64', 'signature', '--', basis],
      ];
      for (const args of forms) same(args);
      // The delta against each of those signatures, too.
      for (const opts of [
        ['-H', 'md4', '-R', 'rollsum', '-b', '333', '-S', '5'],
        ['-R', 'rollsum'],
      ]) {
        const sig = output('rdiff', [...opts, 'signature', basis, '@OUT'], {}, 'optsig');
        fs.writeFileSync(path.join(dir, 'opt.sig'), sig);
        same(['delta', 'opt.sig', next]);
      }
    });

    it('--help and --version exit 0; -s prints statistics to stderr', function () {
      const help = run('ours', ['--help']);
      assert.equal(help.status, 0);
      assert.match(help.stdout.toString(), /Usage: permafrost-rdiff \[OPTIONS\] signature \[BASIS \[SIGNATURE\]\]/);
      assert.match(help.stdout.toString(), /-S, --sum-size=BYTES/);
      const version = run('ours', ['--version']);
      assert.equal(version.status, 0);
      assert.match(version.stdout.toString(), /librsync 2\.3\.2/);
      const stats = run('ours', ['-s', 'signature', basis, '-']);
      assert.equal(stats.status, 0);
      assert.match(stats.stderr.toString(), /signature statistics: .*in.*out/);
    });
  });

  describe('exit codes and messages', function () {
    const cases: Array<{ name: string; args: string[]; code: number; message: RegExp; stdin?: Buffer }> = [
      { name: 'no action', args: [], code: ExitCode.USAGE, message: /specify an action/ },
      { name: 'unknown action', args: ['sign-it', '@BASIS'], code: ExitCode.USAGE, message: /unknown action "sign-it"/ },
      { name: 'unknown option', args: ['-z', 'signature', '@BASIS'], code: ExitCode.USAGE, message: /unknown option: -z/ },
      {
        name: 'bad number',
        args: ['-b', '512k', 'signature', '@BASIS'],
        code: ExitCode.USAGE,
        message: /invalid numeric value for -b\/--block-size: 512k/,
      },
      { name: 'bad hash', args: ['-H', 'sha1', 'signature', '@BASIS'], code: ExitCode.USAGE, message: /unknown hash algorithm 'sha1'/ },
      {
        name: 'strong length above the hash',
        args: ['-H', 'md4', '-S', '20', 'signature', '@BASIS'],
        code: ExitCode.USAGE,
        message: /-S\/--sum-size/,
      },
      { name: 'negative block size', args: ['-b', '-3', 'signature', '@BASIS'], code: ExitCode.USAGE, message: /-b\/--block-size/ },
      { name: 'too many arguments', args: ['signature', '@BASIS', 'a', 'b'], code: ExitCode.USAGE, message: /too many arguments/ },
      { name: 'delta without a signature', args: ['delta'], code: ExitCode.USAGE, message: /missing SIGNATURE/ },
      {
        name: 'missing basis',
        args: ['signature', 'no-such-file'],
        code: ExitCode.SOURCE,
        message: /cannot open basis no-such-file: ENOENT/,
      },
      { name: 'missing signature', args: ['delta', 'no-such.sig', '@NEXT'], code: ExitCode.SOURCE, message: /no-such\.sig.*ENOENT/ },
      {
        name: 'missing delta',
        args: ['patch', '@BASIS', 'no-such.delta'],
        code: ExitCode.SOURCE,
        message: /cannot open delta no-such\.delta: ENOENT/,
      },
      { name: 'a directory as the basis', args: ['signature', '/'], code: ExitCode.SOURCE, message: /basis \// },
      {
        name: 'missing output directory',
        args: ['signature', '@BASIS', 'no/such/dir/out.sig'],
        code: ExitCode.STORAGE,
        message: /no\/such\/dir\/out\.sig/,
      },
    ];
    for (const c of cases) {
      it(`${c.name} → exit ${c.code}`, function () {
        // (The fixtures exist only once `before` ran: their paths are filled in here.)
        const args = c.args.map((a) => (a === '@BASIS' ? basis : a === '@NEXT' ? next : a));
        const r = run('ours', args, { stdin: c.stdin ?? Buffer.alloc(0) });
        assert.equal(r.status, c.code, `exit ${r.status}, stderr: ${r.stderr.toString()}`);
        assert.match(r.stderr.toString(), c.message);
        assert.match(r.stderr.toString(), /^permafrost-rdiff: /);
      });
    }

    it('a corrupt or truncated delta → exit 6 (INTEGRITY) naming the delta, and no output is left', function () {
      const good = fs.readFileSync(path.join(dir, 'ref.delta'));
      const bad: Array<[string, Buffer]> = [
        ['bad-magic.delta', Buffer.from('definitely not a delta')],
        ['reserved.delta', Buffer.from([0x72, 0x73, 0x02, 0x36, 0x99, 0x00])],
        ['truncated.delta', good.subarray(0, good.length - 1)],
      ];
      for (const [name, bytes] of bad) {
        fs.writeFileSync(path.join(dir, name), bytes);
        const r = run('ours', ['patch', basis, name, 'out.bin']);
        assert.equal(r.status, ExitCode.INTEGRITY, `${name}: exit ${r.status}, stderr: ${r.stderr.toString()}`);
        assert.match(r.stderr.toString(), new RegExp(name.replace('.', '\\.')));
        assert.equal(fs.existsSync(path.join(dir, 'out.bin')), false, `${name}: partial output left behind`);
        assert.deepEqual(
          fs.readdirSync(dir).filter((f) => f.endsWith('.tmp')),
          [],
        );
        // Through a pipe as well (the stream path).
        const piped = run('ours', ['patch', basis], { stdin: bytes });
        assert.equal(piped.status, ExitCode.INTEGRITY, `${name} on stdin: exit ${piped.status}, stderr: ${piped.stderr.toString()}`);
      }
    });

    it('a corrupt signature → exit 6 naming it', function () {
      fs.writeFileSync(path.join(dir, 'bad.sig'), 'not a signature at all');
      const r = run('ours', ['delta', 'bad.sig', next]);
      assert.equal(r.status, ExitCode.INTEGRITY, String(r.stderr));
      assert.match(r.stderr.toString(), /bad\.sig/);
      const cut = fs.readFileSync(path.join(dir, 'ref.sig')).subarray(0, 100);
      const t = run('ours', ['delta', '-', next], { stdin: cut });
      assert.equal(t.status, ExitCode.INTEGRITY, String(t.stderr));
    });
  });

  describe('-f and existing outputs', function () {
    it('refuses to overwrite an existing output without -f (exit 11), keeps it, replaces it with -f', function () {
      const out = path.join(dir, 'exists.sig');
      fs.writeFileSync(out, 'precious');
      fs.chmodSync(out, 0o640);
      const theirs = run('rdiff', ['signature', basis, out]);
      assert.notEqual(theirs.status, 0, 'rdiff refuses too');
      const r = run('ours', ['signature', basis, out]);
      assert.equal(r.status, ExitCode.TARGET_NOT_EMPTY, String(r.stderr));
      assert.match(r.stderr.toString(), /exists\.sig/);
      assert.match(r.stderr.toString(), /-f/);
      assert.equal(fs.readFileSync(out, 'utf8'), 'precious');
      for (const args of [
        ['delta', 'ref.sig', next, out],
        ['patch', basis, 'ref.delta', out],
      ]) {
        assert.equal(run('ours', args).status, ExitCode.TARGET_NOT_EMPTY);
        assert.equal(fs.readFileSync(out, 'utf8'), 'precious');
      }
      ok(run('ours', ['-f', 'signature', basis, out]), 'with -f');
      assert.ok(fs.readFileSync(out).equals(fs.readFileSync(path.join(dir, 'ref.sig'))));
      assert.equal(fs.statSync(out).mode & 0o777, 0o640, 'the replaced file keeps its mode');
      ok(run('ours', ['--force', 'patch', basis, 'ref.delta', out]), 'with --force');
      assert.ok(fs.readFileSync(out).equals(nextBytes));
    });

    it('/dev/null: refused without -f as rdiff does, written in place (never replaced) with -f', function () {
      assert.equal(run('ours', ['signature', basis, '/dev/null']).status, ExitCode.TARGET_NOT_EMPTY);
      ok(run('ours', ['-f', 'signature', basis, '/dev/null']), '-f to /dev/null');
      assert.ok(fs.statSync('/dev/null').isCharacterDevice(), '/dev/null is still a device');
    });

    it('stdout is never "existing": no -f needed for "-"', function () {
      same(['signature', basis, '-']);
    });
  });

  describe('patch accepts any readable basis, as rdiff does, and more', function () {
    // literal.delta (against the signature of an empty file) never reads its basis;
    // ref.delta COPYs from it.
    let refDelta: Buffer;
    before(function () {
      ok(run('rdiff', ['signature', '/dev/null', 'empty.sig']), 'rdiff signature /dev/null');
      ok(run('rdiff', ['delta', 'empty.sig', next, 'literal.delta']), 'rdiff delta against an empty basis');
      refDelta = fs.readFileSync(path.join(dir, 'ref.delta'));
    });

    it("/dev/null with a literal-only delta: rdiff's bytes and exit 0 (file, stdout, `< /dev/null`)", function () {
      assert.ok(same(['patch', '/dev/null', 'literal.delta', '@OUT'], {}, 'new').equals(nextBytes));
      same(['patch', '/dev/null', 'literal.delta']);
      same(['patch', '/dev/null'], { stdin: fs.readFileSync(path.join(dir, 'literal.delta')) });
      same(['patch', '-', 'literal.delta'], { stdin: { file: '/dev/null' } });
    });

    it('/dev/null with a delta that COPYs: rdiff fails (103), ours exits 6 naming the basis and the COPY, no output', function () {
      assert.equal(run('rdiff', ['patch', '/dev/null', 'ref.delta', 'rdiff-null.out']).status, 103, 'rdiff: unexpected end of input');
      for (const io of [
        { args: ['patch', '/dev/null', 'ref.delta', 'null.out'] },
        { args: ['patch', '/dev/null', '-', 'null.out'], stdin: refDelta },
      ]) {
        const r = run('ours', io.args, { stdin: io.stdin });
        assert.equal(r.status, ExitCode.INTEGRITY, `exit ${r.status}, stderr: ${r.stderr.toString()}`);
        assert.match(
          r.stderr.toString(),
          /^permafrost-rdiff: patch of basis \/dev\/null with delta (ref\.delta|\(standard input\)): .*COPY of \d+ bytes at basis offset 0 at delta offset 4 reaches past the end of the basis \(nothing to read at basis offset \d+\)/,
        );
        assert.equal(fs.existsSync(path.join(dir, 'null.out')), false, 'no partial output');
      }
    });

    it('/dev/zero: COPYs read zeros, the same bytes as rdiff (fd and stream forms, `< /dev/zero`)', function () {
      const zeros = same(['patch', '/dev/zero', 'ref.delta', '@OUT'], {}, 'new');
      assert.equal(zeros.length, nextBytes.length);
      assert.ok(!zeros.equals(nextBytes) && zeros.includes(Buffer.alloc(4096)), 'the COPYs came out as zeros');
      same(['patch', '/dev/zero'], { stdin: refDelta });
      same(['patch', '-', 'ref.delta', '@OUT'], { stdin: { file: '/dev/zero' } }, 'new');
    });

    it("a FIFO: rdiff's bytes for a literal-only delta; with COPYs rdiff fails (100: seek) and we copy it first", function () {
      const theirs = runWithFifo('rdiff', ['patch', '@FIFO', 'literal.delta', 'rdiff-fifo.out'], basis);
      ok(theirs, 'rdiff patch FIFO literal.delta');
      ok(runWithFifo('ours', ['patch', '@FIFO', 'literal.delta', 'ours-fifo.out'], basis), 'ours, literal-only');
      assert.ok(fs.readFileSync(path.join(dir, 'ours-fifo.out')).equals(fs.readFileSync(path.join(dir, 'rdiff-fifo.out'))));
      assert.equal(runWithFifo('rdiff', ['patch', '@FIFO', 'ref.delta', 'rdiff-fifo-copy.out'], basis).status, 100, 'rdiff: IO error');
      ok(runWithFifo('ours', ['patch', '@FIFO', 'ref.delta', 'fifo-copy.out'], basis), 'ours, COPYs');
      assert.ok(fs.readFileSync(path.join(dir, 'fifo-copy.out')).equals(nextBytes));
      assert.ok(
        ok(runWithFifo('ours', ['patch', '@FIFO'], basis, { input: refDelta }), 'delta on stdin, new file on stdout').equals(nextBytes),
      );
    });

    it("a pipe on stdin with the delta a file: rdiff's bytes for a literal-only delta; with COPYs rdiff fails (100) and we rebuild", function () {
      same(['patch', '-', 'literal.delta', '@OUT'], { stdin: basisBytes }, 'new');
      same(['patch', '-', 'literal.delta'], { stdin: basisBytes });
      assert.equal(run('rdiff', ['patch', '-', 'ref.delta', 'rdiff-pipe.out'], { stdin: basisBytes }).status, 100, 'rdiff: IO error');
      assert.ok(output('ours', ['patch', '-', 'ref.delta', '@OUT'], { stdin: basisBytes }, 'new').equals(nextBytes), 'to a file');
      assert.ok(ok(run('ours', ['patch', '-', 'ref.delta'], { stdin: basisBytes }), 'to a pipe').equals(nextBytes), 'to a pipe');
      // spawnSync's stdin is a socket pair: a shell pipeline gives a real pipe too.
      const piped = spawnSync('sh', ['-c', 'cat "$1" | exec "$2" "$3" patch - ref.delta', 'sh', basis, process.execPath, BIN], {
        cwd: dir,
        maxBuffer: 1 << 30,
      });
      assert.ok(ok(piped, 'cat basis | permafrost-rdiff patch - ref.delta').equals(nextBytes));
    });

    it('the copy of a pipe or FIFO lives unlinked in $TMPDIR: nothing is left there', function () {
      const tmpdir = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-rdiff-tmpdir-'));
      try {
        const env = { ...process.env, TMPDIR: tmpdir };
        ok(run('ours', ['patch', '-', 'ref.delta', 'tmpdir-pipe.out'], { stdin: basisBytes, env }), 'pipe');
        ok(runWithFifo('ours', ['patch', '@FIFO', 'ref.delta', 'tmpdir-fifo.out'], basis, { env }), 'FIFO');
        for (const f of ['tmpdir-pipe.out', 'tmpdir-fifo.out']) assert.ok(fs.readFileSync(path.join(dir, f)).equals(nextBytes), f);
        assert.deepEqual(fs.readdirSync(tmpdir), []);
      } finally {
        fs.rmSync(tmpdir, { recursive: true, force: true });
      }
    });

    it('killed with SIGKILL while copying a pipe, it leaves nothing in $TMPDIR', async function () {
      const tmpdir = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-rdiff-kill-'));
      const child = spawn(process.execPath, [BIN, 'patch', '-', 'ref.delta', 'killed.out'], {
        cwd: dir,
        env: { ...process.env, TMPDIR: tmpdir },
        stdio: ['pipe', 'ignore', 'ignore'],
      });
      const exited = new Promise((resolve) => child.once('exit', resolve));
      try {
        child.stdin.on('error', () => undefined);
        child.stdin.write(basisBytes.subarray(0, 100 * KiB)); // and no end: it is still copying
        // The copy is open (its fd points into tmpdir) yet already has no name there.
        let copy: string | undefined;
        for (let i = 0; i < 500 && copy === undefined; i++) {
          await new Promise((r) => setTimeout(r, 20));
          const fds = fs.existsSync(`/proc/${child.pid}/fd`) ? fs.readdirSync(`/proc/${child.pid}/fd`) : [];
          copy = fds
            .map((fd) => {
              try {
                return fs.readlinkSync(`/proc/${child.pid}/fd/${fd}`);
              } catch {
                return '';
              }
            })
            .find((l) => l.startsWith(tmpdir));
        }
        assert.ok(copy, 'the copy of the basis was never opened in TMPDIR');
        assert.match(copy, /\(deleted\)$/);
        assert.deepEqual(fs.readdirSync(tmpdir), [], 'named while copying');
        child.kill('SIGKILL');
        await exited;
        assert.deepEqual(fs.readdirSync(tmpdir), []);
        assert.equal(fs.existsSync(path.join(dir, 'killed.out')), false);
      } finally {
        child.kill('SIGKILL');
        await exited;
        fs.rmSync(tmpdir, { recursive: true, force: true });
      }
    });

    it('no temporary file can be made (TMPDIR missing): exit 4 naming the basis, the directory and TMPDIR', function () {
      const missing = path.join(dir, 'no-such-tmpdir');
      const r = run('ours', ['patch', '-', 'ref.delta', 'no-tmp.out'], { stdin: basisBytes, env: { ...process.env, TMPDIR: missing } });
      assert.equal(r.status, ExitCode.SOURCE, `exit ${r.status}, stderr: ${r.stderr.toString()}`);
      const msg = r.stderr.toString();
      assert.match(msg, /^permafrost-rdiff: cannot copy basis \(standard input\) into a temporary file in /);
      assert.ok(msg.includes(missing), msg);
      // (spawnSync's stdin "pipe" is a socket pair)
      assert.match(msg, /it is a (pipe or FIFO|socket), and patch reads the basis at random offsets.*TMPDIR.*ENOENT/);
      assert.equal(fs.existsSync(path.join(dir, 'no-tmp.out')), false);
    });
  });
});
