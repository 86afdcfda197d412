// permafrost-rdiff: rdiff 2.3.2's command line (same arguments, options and output bytes)
// over the native rsync jobs, so scripts switch by renaming the command. Exit codes are
// permafrost's (errors.ts), not librsync's: usage 2, unreadable input 4, corrupt input 6,
// output exists without -f 11, unwritable output 5.
//
// Regular files (named, or redirected to stdin/stdout) go to the native side as fds and
// never pass through JS. A patch basis is any fd that answers pread (a device such as
// /dev/null too); a pipe, FIFO, socket or terminal basis is copied to a temporary file
// first (rsync/basis.ts). Any other pipe, socket or terminal on stdin/stdout is driven
// through the stream forms instead: libuv may have made it non-blocking, and a blocking
// write() loop on the pool would then fail with EAGAIN. For the same reason messages go to
// fd 2 with writeSync and process.stdout/stderr are only touched when stdout is such a stream.
import { fstatSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { failIfStalled } from './stall.js';
import { runMain } from './run.js';
import type { Input, OutputEnd, Totals } from './rdiff-ends.js';
import { ExitCode, isPermafrostError, sourceError, usageError } from '../base/errors.js';
import { native, type NativeRsyncJob } from '../native.js';
import { VERSION } from '../base/version.js';
import { context, fail, RsyncError } from '../rsync/errors.js';
import { openBasis, preadableBasis } from '../rsync/basis.js';
import { openOutput } from '../rsync/files.js';
import { FdFile } from '../rsync/fd-file.js';
import { loadSignature, type RsyncSignature } from '../rsync/load.js';
import { MAX_BLOCK_LENGTH, resolveSignatureOptions, type RsyncHash, type RsyncRollsum, type SignatureOptions } from '../rsync/options.js';

const PROG = 'permafrost-rdiff';

// ---------------------------------------------------------------- arguments (popt's rules)

type Action = 'signature' | 'delta' | 'patch';

interface Args {
  action?: Action;
  files: string[];
  sig: SignatureOptions;
  force: boolean;
  statistics: boolean;
  verbose: boolean;
  help: boolean;
  version: boolean;
}

interface OptionSpec {
  long: string;
  short: string;
  value?: 'number' | 'hash' | 'rollsum';
  apply(a: Args, v: number | string): void;
}

const OPTIONS: readonly OptionSpec[] = [
  { long: 'verbose', short: 'v', apply: (a) => { a.verbose = true; } },
  { long: 'version', short: 'V', apply: (a) => { a.version = true; } },
  { long: 'help', short: '?', apply: (a) => { a.help = true; } },
  { long: 'statistics', short: 's', apply: (a) => { a.statistics = true; } },
  { long: 'force', short: 'f', apply: (a) => { a.force = true; } },
  { long: 'hash', short: 'H', value: 'hash', apply: (a, v) => { a.sig.hash = v as RsyncHash; } },
  { long: 'rollsum', short: 'R', value: 'rollsum', apply: (a, v) => { a.sig.rollsum = v as RsyncRollsum; } },
  { long: 'block-size', short: 'b', value: 'number', apply: (a, v) => { a.sig.blockLength = v as number; } },
  { long: 'sum-size', short: 'S', value: 'number', apply: (a, v) => { a.sig.strongLength = v as number; } },
  // rdiff's I/O buffer sizes: accepted for compatibility; the native jobs pick their own
  // (the output never depends on them).
  { long: 'input-size', short: 'I', value: 'number', apply: () => undefined },
  { long: 'output-size', short: 'O', value: 'number', apply: () => undefined },
];

/** strtol(s, 0) as popt uses it: decimal, 0x hex or 0 octal, optional sign and leading blanks. */
function parseNumber(raw: string, shown: string): number {
  const m = /^\s*([+-]?)(0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*)$/i.exec(raw);
  if (!m) throw usageError(`invalid numeric value for ${shown}: ${raw}`);
  const digits = m[2];
  const magnitude = /^0x/i.test(digits) ? parseInt(digits.slice(2), 16) : digits.length > 1 && digits[0] === '0' ? parseInt(digits, 8) : parseInt(digits, 10);
  const n = m[1] === '-' ? -magnitude : magnitude;
  if (!Number.isSafeInteger(n) || Math.abs(n) > 0x7fffffff) throw usageError(`number too large or too small for ${shown}: ${raw}`);
  return n;
}

function convert(spec: OptionSpec, raw: string, shown: string): number | string {
  switch (spec.value) {
    case 'number': return parseNumber(raw, shown);
    case 'hash':
      if (raw !== 'blake2' && raw !== 'md4') throw usageError(`unknown hash algorithm '${raw}' for ${shown} (blake2 or md4)`);
      return raw;
    case 'rollsum':
      if (raw !== 'rabinkarp' && raw !== 'rollsum') throw usageError(`unknown rollsum algorithm '${raw}' for ${shown} (rabinkarp or rollsum)`);
      return raw;
    default: return '';
  }
}

/** rdiff takes any prefix of the action name ("sig", "d"). */
function parseAction(word: string): Action {
  for (const action of ['signature', 'delta', 'patch'] as const) if (word.length > 0 && action.startsWith(word)) return action;
  throw usageError(`unknown action "${word}": use signature, delta or patch`);
}

export function parseRdiffArgv(argv: readonly string[]): Args {
  const a: Args = { files: [], sig: {}, force: false, statistics: false, verbose: false, help: false, version: false };
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') { positional.push(...argv.slice(i + 1)); break; }
    if (arg === '-' || !arg.startsWith('-')) { positional.push(arg); continue; }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      const spec = OPTIONS.find((o) => o.long === name);
      if (!spec) throw usageError(`unknown option: ${arg}`);
      const shown = `--${spec.long}`;
      if (!spec.value) {
        if (eq >= 0) throw usageError(`option ${shown} takes no value`);
        spec.apply(a, '');
        continue;
      }
      let raw = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
      if (raw === undefined) throw usageError(`option ${shown} needs a value`);
      spec.apply(a, convert(spec, raw, shown));
      continue;
    }
    // A cluster of short options: -fs, -fb512, -b 512, -b=512 (popt accepts all four).
    for (let j = 1; j < arg.length; j++) {
      const letter = arg[j];
      const spec = letter === 'h' ? OPTIONS.find((o) => o.long === 'help')! : OPTIONS.find((o) => o.short === letter);
      if (!spec) throw usageError(`unknown option: -${letter}`);
      const shown = `-${spec.short}/--${spec.long}`;
      if (!spec.value) { spec.apply(a, ''); continue; }
      let raw = arg.slice(j + 1);
      if (raw.startsWith('=')) raw = raw.slice(1);
      if (raw === '') raw = argv[++i];
      if (raw === undefined) throw usageError(`option ${shown} needs a value`);
      spec.apply(a, convert(spec, raw, shown));
      break;
    }
  }
  if (a.help || a.version) return a;
  if (positional.length === 0) throw usageError('you must specify an action: signature, delta or patch');
  a.action = parseAction(positional[0]);
  a.files = positional.slice(1);
  const usage = {
    signature: 'signature [BASIS [SIGNATURE]]',
    delta: 'delta SIGNATURE [NEWFILE [DELTA]]',
    patch: 'patch BASIS [DELTA [NEWFILE]]',
  }[a.action];
  if (a.files.length > 3 || (a.action === 'signature' && a.files.length > 2)) throw usageError(`too many arguments; usage: ${PROG} [OPTIONS] ${usage}`);
  if (a.action !== 'signature' && a.files.length === 0) throw usageError(`missing ${a.action === 'delta' ? 'SIGNATURE' : 'BASIS'}; usage: ${PROG} [OPTIONS] ${usage}`);
  if (a.action === 'signature') checkSignatureOptions(a.sig);
  else if (Object.keys(a.sig).length > 0) warn(`-b, -S, -H and -R only apply to signature; ignored for ${a.action}`);
  return a;
}

/** The library's checks, reported as usage errors naming the command-line option. */
function checkSignatureOptions(sig: SignatureOptions): void {
  const flag: Record<string, string> = { blockLength: '-b/--block-size', strongLength: '-S/--sum-size', hash: '-H/--hash', rollsum: '-R/--rollsum' };
  if (sig.blockLength !== undefined && sig.blockLength < 0) throw usageError(`invalid value for -b/--block-size: ${sig.blockLength} (0 for the recommended size, or 1..${MAX_BLOCK_LENGTH})`);
  try {
    resolveSignatureOptions(sig);
  } catch (err) {
    const e = err as Error;
    const key = Object.keys(flag).find((k) => e.message.includes(` for ${k}`));
    throw usageError(`invalid value for ${key ? flag[key] : 'an option'}: ${e.message}`);
  }
}

export function rdiffHelpText(): string {
  return `Usage: ${PROG} [OPTIONS] signature [BASIS [SIGNATURE]]
       ${PROG} [OPTIONS] delta SIGNATURE [NEWFILE [DELTA]]
       ${PROG} [OPTIONS] patch BASIS [DELTA [NEWFILE]]

rdiff 2.3.2's commands and options; files are byte-identical to rdiff's. A missing or
"-" file is standard input (or standard output for the last one).

Options:
  -v, --verbose             Say what is being done
  -V, --version             Show program version
  -?, -h, --help            Show this help message
  -s, --statistics          Show statistics (bytes in/out, time, speed)
  -f, --force               Force overwriting existing files
Signature generation options:
  -H, --hash=ALG            Hash algorithm: blake2 (default), md4
  -R, --rollsum=ALG         Rollsum algorithm: rabinkarp (default), rollsum
Delta-encoding options:
  -b, --block-size=BYTES    Signature block size, 0 (default) for recommended
  -S, --sum-size=BYTES      Signature strength, 0 (default) for max, -1 for min
IO options (accepted, ignored: the output does not depend on them):
  -I, --input-size=BYTES    Input buffer size
  -O, --output-size=BYTES   Output buffer size

Exit status: 0 ok, 2 usage, 4 unreadable input, 5 unwritable output, 6 corrupt input
(bad magic, corrupt or truncated signature/delta), 11 output exists (use -f), 1 bug.`;
}

// ---------------------------------------------------------------- messages

function say(line: string): void {
  try {
    writeSync(2, `${PROG}: ${line}\n`);
  } catch {
    // stderr closed: nothing better to do
  }
}

function warn(line: string): void {
  say(`warning: ${line}`);
}

// ---------------------------------------------------------------- endpoints

/** Where the exit code of a failure comes from when its code alone does not say. */
const EXIT = Symbol('exit');
type Tagged = Error & { [EXIT]?: number };

async function tagged<T>(exit: number, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err && typeof err === 'object' && (err as Tagged)[EXIT] === undefined) (err as Tagged)[EXIT] = exit;
    throw err;
  }
}


const isStdio = (file: string | undefined): boolean => file === undefined || file === '-';

function regularFileSize(fd: number): number | undefined {
  const st = fstatSync(fd);
  return st.isFile() ? st.size : undefined;
}

async function openIn(file: string | undefined, role: string): Promise<Input> {
  if (isStdio(file)) {
    const size = regularFileSize(0);
    if (size !== undefined) return { kind: 'fd', fd: 0, name: `${role} (standard input)`, size, close: async () => undefined };
    return { kind: 'stream', stream: process.stdin, name: `${role} (standard input)`, close: async () => undefined };
  }
  const ctx = context();
  try {
    const fh = await FdFile.open(file!, 'r');
    const st = await fh.stat();
    if (st.isDirectory()) {
      await fh.close();
      throw Object.assign(new Error(`EISDIR: illegal operation on a directory, read '${file}'`), { code: 'EISDIR' });
    }
    return { kind: 'fd', fd: fh.fd, name: `${role} ${file}`, size: st.isFile() ? st.size : undefined, close: () => fh.close() };
  } catch (err) {
    throw fail(ctx, `cannot open ${role} ${file}`, err, file);
  }
}

let pendingOutput: OutputEnd | undefined;

async function openOut(file: string | undefined, force: boolean, role: string): Promise<OutputEnd> {
  let out: OutputEnd;
  if (isStdio(file)) {
    if (regularFileSize(1) !== undefined) {
      out = { kind: 'fd', fd: 1, name: `${role} (standard output)`, commit: async () => undefined, abort: async () => undefined };
    } else {
      out = { kind: 'stream', stream: process.stdout, name: `${role} (standard output)`, commit: async () => undefined, abort: async () => undefined };
    }
  } else {
    const o = await openOutput(file!, force);
    out = { kind: 'fd', fd: o.fd, name: `${role} ${file}`, tempPath: o.tempPath, durable: o.durable, commit: () => o.commit(), abort: () => o.abort() };
  }
  pendingOutput = out;
  return out;
}

/** The stream forms, loaded only when a pipe or terminal needs them (rdiff-streams.ts). */
async function viaStreams(job: NativeRsyncJob, what: string, input: Input, out: OutputEnd): Promise<Totals> {
  return (await import('./rdiff-streams.js')).viaStreams(job, what, input, out);
}

// ---------------------------------------------------------------- actions

async function runSignature(a: Args): Promise<Totals> {
  const o = resolveSignatureOptions(a.sig);
  const input = await tagged(ExitCode.SOURCE, () => openIn(a.files[0], 'basis'));
  try {
    const out = await tagged(ExitCode.STORAGE, () => openOut(a.files[1], a.force, 'signature'));
    const what = `signature of ${input.name}`;
    let totals: Totals;
    if (input.kind === 'fd' && out.kind === 'fd') {
      const ctx = context();
      try {
        totals = await native.signatureFile(input.fd, out.fd, o.blockLength, o.strongLength, o.magic);
      } catch (err) {
        throw fail(ctx, what, err);
      }
    } else {
      const size = input.kind === 'fd' ? input.size : undefined;
      totals = await viaStreams(new native.SignatureJob(o.blockLength, o.strongLength, o.magic, size), what, input, out);
    }
    await tagged(ExitCode.STORAGE, () => out.commit());
    return totals;
  } finally {
    await input.close();
  }
}

async function loadSignatureArg(file: string | undefined): Promise<RsyncSignature> {
  // An unusable signature exits by its code (INTEGRITY); an unreadable file as SOURCE.
  if (!isStdio(file)) return tagged(ExitCode.SOURCE, () => loadSignature(file!));
  const bytes = regularFileSize(0) !== undefined ? readFileSync(0) : await (await import('../bytes/collect.js')).collectAll(process.stdin);
  const ctx = context();
  try {
    return await native.loadSignature(bytes);
  } catch (err) {
    throw fail(ctx, 'signature (standard input) is unusable', err);
  }
}

async function runDelta(a: Args): Promise<Totals> {
  const [sigFile, newFile, deltaFile] = a.files;
  if (isStdio(sigFile) && isStdio(newFile)) throw usageError('the signature and the new file cannot both be standard input');
  const sig = await loadSignatureArg(sigFile);
  const input = await tagged(ExitCode.SOURCE, () => openIn(newFile, 'new file'));
  try {
    const out = await tagged(ExitCode.STORAGE, () => openOut(deltaFile, a.force, 'delta'));
    const what = `delta of ${input.name} against signature ${isStdio(sigFile) ? '(standard input)' : sigFile}`;
    let totals: Totals;
    if (input.kind === 'fd' && out.kind === 'fd') {
      const ctx = context();
      try {
        totals = await native.deltaFile(sig, input.fd, out.fd, undefined, out.durable);
      } catch (err) {
        throw fail(ctx, what, err);
      }
    } else {
      totals = await viaStreams(new native.DeltaJob(sig), what, input, out);
    }
    await tagged(ExitCode.STORAGE, () => out.commit());
    return totals;
  } finally {
    await input.close();
  }
}

/**
 * The basis as an fd the native side can pread. A pipe, FIFO, socket or terminal is copied
 * to a temporary file first (rdiff fails on such a basis once the delta COPYs from it).
 * Every failure is the basis's: exit 4, even when it is the temporary file that has no room.
 */
async function openBasisArg(file: string | undefined): Promise<{ fd: number; name: string; close(): Promise<void> }> {
  try {
    if (!isStdio(file)) return { ...(await openBasis(file!)), name: `basis ${file}` };
    const name = 'basis (standard input)';
    // process.stdin is only touched to copy a stream: it may make fd 0 non-blocking.
    return { ...(await preadableBasis(0, name, () => process.stdin)), name };
  } catch (err) {
    throw err instanceof RsyncError ? sourceError(err.message, err) : err;
  }
}

async function runPatch(a: Args): Promise<Totals> {
  const [basisFile, deltaFile, newFile] = a.files;
  if (isStdio(basisFile) && isStdio(deltaFile)) throw usageError('the basis and the delta cannot both be standard input');
  const basis = await openBasisArg(basisFile);
  try {
    const input = await tagged(ExitCode.SOURCE, () => openIn(deltaFile, 'delta'));
    try {
      const out = await tagged(ExitCode.STORAGE, () => openOut(newFile, a.force, 'new file'));
      const what = `patch of ${basis.name} with ${input.name}`;
      let totals: Totals;
      if (input.kind === 'fd' && out.kind === 'fd') {
        const ctx = context();
        try {
          totals = await native.patchFile(basis.fd, input.fd, out.fd, out.durable);
        } catch (err) {
          throw fail(ctx, what, err);
        }
      } else {
        totals = await viaStreams(new native.PatchJob(basis.fd), what, input, out);
      }
      await tagged(ExitCode.STORAGE, () => out.commit());
      return totals;
    } finally {
      await input.close();
    }
  } finally {
    await basis.close();
  }
}

// ---------------------------------------------------------------- exit codes

function exitForCode(err: { code?: unknown; message?: string }): number | undefined {
  switch (err.code) {
    case 'ERR_BAD_MAGIC':
    case 'ERR_CORRUPT':
    case 'ERR_TRUNCATED':
    case 'ERR_PARAM': // from a signature's header (strong length above its hash's maximum)
      return ExitCode.INTEGRITY;
    case 'EEXIST':
      return ExitCode.TARGET_NOT_EMPTY;
    case 'ERR_IO':
      // The native message names the call: read/pread of an input, or write of the output.
      return /\bwrite\b/.test(err.message ?? '') ? ExitCode.STORAGE : ExitCode.SOURCE;
    case 'EPIPE':
    case 'ENOSPC':
    case 'EDQUOT':
    case 'EROFS':
      return ExitCode.STORAGE;
    default:
      return undefined;
  }
}

function describe(err: unknown): { code: number; message: string } {
  if (isPermafrostError(err)) return { code: err.exitCode, message: err.message };
  const e = err as Tagged & { code?: unknown };
  const byCode = exitForCode(e);
  if (byCode !== undefined) return { code: byCode, message: e.message };
  if (e?.[EXIT] !== undefined) return { code: e[EXIT]!, message: e.message };
  if (typeof e?.code === 'string' && /^E[A-Z]+$/.test(e.code)) return { code: ExitCode.SOURCE, message: e.message };
  return { code: ExitCode.INTERNAL, message: `internal error: ${e?.stack ?? String(err)}` };
}

// ---------------------------------------------------------------- main

function onSignals(): void {
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      say(`interrupted by ${sig}`);
      // Leave no temp file behind (the target keeps its old bytes). The fd stays open: a
      // native write may be in progress on it, and exit closes it anyway.
      const out = pendingOutput;
      if (out?.kind === 'fd' && out.tempPath) rmSync(out.tempPath, { force: true });
      process.exit(ExitCode.INTERRUPTED);
    });
  }
}

function statistics(action: Action, t: Totals, seconds: number): string {
  const mb = (n: number) => (n / 1e6).toFixed(1);
  const rate = (n: number) => (seconds > 0 ? (n / 1e6 / seconds).toFixed(1) : '-');
  return `${action} statistics: speed[${mb(t.inBytes)} MB (${rate(t.inBytes)} MB/s) in, ${mb(t.outBytes)} MB (${rate(t.outBytes)} MB/s) out, ${seconds.toFixed(3)} sec]`;
}

export async function main(argv: readonly string[]): Promise<number> {
  const settled = failIfStalled(PROG);
  try {
    const a = parseRdiffArgv(argv);
    if (a.help) { writeSync(1, `${rdiffHelpText()}\n`); return ExitCode.OK; }
    if (a.version) { writeSync(1, `${PROG} (permafrost ${VERSION}): rdiff (librsync 2.3.2) formats and options\n`); return ExitCode.OK; }
    onSignals();
    const started = process.hrtime.bigint();
    if (a.verbose) say(`${a.action} ${a.files.map((f) => (f === '-' ? '(stdio)' : f)).join(' ')}`);
    const run = { signature: runSignature, delta: runDelta, patch: runPatch }[a.action!];
    const totals = await run(a);
    pendingOutput = undefined;
    if (a.statistics) say(statistics(a.action!, totals, Number(process.hrtime.bigint() - started) / 1e9));
    return ExitCode.OK;
  } catch (err) {
    const out = pendingOutput;
    pendingOutput = undefined;
    await out?.abort().catch(() => undefined);
    const { code, message } = describe(err);
    say(message);
    if (code === ExitCode.USAGE) say(`Try \`${PROG} --help' for more information.`);
    return code;
  } finally {
    settled();
  }
}

/** The entry of bin/ (through the bundle built by scripts/bundle.mjs). */
export const run = (): void => runMain(main);
