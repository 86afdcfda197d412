// permafrost-rdiff's command line, with popt's rules as rdiff 2.3.2 has them: `-b N`, `-bN`,
// `-b=N`, `--block-size=N`, clustered flags (`-fs`), options anywhere among the positional
// arguments, `--` ending the options, and any prefix of the action's name.
import { usageError } from '../base/errors.js';
import { MAX_BLOCK_LENGTH, resolveSignatureOptions, type RsyncHash, type RsyncRollsum, type SignatureOptions } from '../rsync/options.js';
import { PROG, warn } from './rdiff-say.js';

export type Action = 'signature' | 'delta' | 'patch';

export interface Args {
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
