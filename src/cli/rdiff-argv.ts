// permafrost-rdiff's command line, with popt's rules as rdiff 2.3.2 has them: `-b N`, `-bN`,
// `-b=N`, `--block-size=N`, clustered flags (`-fs`), options anywhere among the positional
// arguments, `--` ending the options, and any prefix of the action's name. The parsing is
// argv-parser.ts's; this file holds rdiff's table, its values and its positional arguments.
import { usageError } from '../base/errors.js';
import { MAX_BLOCK_LENGTH, resolveSignatureOptions, type RsyncHash, type RsyncRollsum, type SignatureOptions } from '../rsync/options.js';
import { PROG, warn } from './rdiff-say.js';
import { ArgOption, ArgvRules, parseArgs } from './argv-parser.js';

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

/** An option of rdiff's table; `convert` says how its value is read. */
interface RdiffOption extends ArgOption {
  convert?: 'number' | 'hash' | 'rollsum';
  apply(a: Args, v: number | string): void;
}

const flag = (long: string, short: string, apply: (a: Args) => void): RdiffOption => ({ long, short, takes: 'flag', apply });
const valued = (long: string, short: string, convert: RdiffOption['convert'], apply: RdiffOption['apply']): RdiffOption => ({
  long,
  short,
  takes: 'value',
  convert,
  apply,
});

const OPTIONS: readonly RdiffOption[] = [
  flag('verbose', 'v', (a) => {
    a.verbose = true;
  }),
  flag('version', 'V', (a) => {
    a.version = true;
  }),
  flag('help', '?h', (a) => {
    a.help = true;
  }),
  flag('statistics', 's', (a) => {
    a.statistics = true;
  }),
  flag('force', 'f', (a) => {
    a.force = true;
  }),
  valued('hash', 'H', 'hash', (a, v) => {
    a.sig.hash = v as RsyncHash;
  }),
  valued('rollsum', 'R', 'rollsum', (a, v) => {
    a.sig.rollsum = v as RsyncRollsum;
  }),
  valued('block-size', 'b', 'number', (a, v) => {
    a.sig.blockLength = v as number;
  }),
  valued('sum-size', 'S', 'number', (a, v) => {
    a.sig.strongLength = v as number;
  }),
  // rdiff's I/O buffer sizes: accepted for compatibility; the native jobs pick their own
  // (the output never depends on them).
  valued('input-size', 'I', 'number', () => undefined),
  valued('output-size', 'O', 'number', () => undefined),
];

/** popt's rules: long names in full, clusters (`-fs`, `-fb512`, `-b=512`), positional arguments anywhere. */
const RULES: ArgvRules = {
  positionals: true,
  abbreviations: false,
  noForms: false,
  clusters: true,
  flagValues: false,
  unknown: ({ short, arg }) => `unknown option: ${short === undefined ? arg : `-${short}`}`,
};

/** strtol(s, 0) as popt uses it: decimal, 0x hex or 0 octal, optional sign and leading blanks. */
function parseNumber(raw: string, shown: string): number {
  const m = /^\s*([+-]?)(0x[0-9a-f]+|0[0-7]*|[1-9][0-9]*)$/i.exec(raw);
  if (!m) throw usageError(`invalid numeric value for ${shown}: ${raw}`);
  const digits = m[2];
  const magnitude = /^0x/i.test(digits)
    ? parseInt(digits.slice(2), 16)
    : digits.length > 1 && digits[0] === '0'
      ? parseInt(digits, 8)
      : parseInt(digits, 10);
  const n = m[1] === '-' ? -magnitude : magnitude;
  if (!Number.isSafeInteger(n) || Math.abs(n) > 0x7fffffff) throw usageError(`number too large or too small for ${shown}: ${raw}`);
  return n;
}

function convert(spec: RdiffOption, raw: string, shown: string): number | string {
  switch (spec.convert) {
    case 'number':
      return parseNumber(raw, shown);
    case 'hash':
      if (raw !== 'blake2' && raw !== 'md4') throw usageError(`unknown hash algorithm '${raw}' for ${shown} (blake2 or md4)`);
      return raw;
    case 'rollsum':
      if (raw !== 'rabinkarp' && raw !== 'rollsum')
        throw usageError(`unknown rollsum algorithm '${raw}' for ${shown} (rabinkarp or rollsum)`);
      return raw;
    default:
      return '';
  }
}

/** rdiff takes any prefix of the action name ("sig", "d"). */
function parseAction(word: string): Action {
  for (const action of ['signature', 'delta', 'patch'] as const) if (word.length > 0 && action.startsWith(word)) return action;
  throw usageError(`unknown action "${word}": use signature, delta or patch`);
}

export function parseRdiffArgv(argv: readonly string[]): Args {
  const a: Args = { files: [], sig: {}, force: false, statistics: false, verbose: false, help: false, version: false };
  const positional = parseArgs(argv, OPTIONS, RULES, ({ option, value, shown }) => {
    option.apply(a, value === undefined ? '' : convert(option, value, shown));
  });
  if (a.help || a.version) return a;
  if (positional.length === 0) throw usageError('you must specify an action: signature, delta or patch');
  a.action = parseAction(positional[0]);
  a.files = positional.slice(1);
  const usage = {
    signature: 'signature [BASIS [SIGNATURE]]',
    delta: 'delta SIGNATURE [NEWFILE [DELTA]]',
    patch: 'patch BASIS [DELTA [NEWFILE]]',
  }[a.action];
  if (a.files.length > 3 || (a.action === 'signature' && a.files.length > 2))
    throw usageError(`too many arguments; usage: ${PROG} [OPTIONS] ${usage}`);
  if (a.action !== 'signature' && a.files.length === 0)
    throw usageError(`missing ${a.action === 'delta' ? 'SIGNATURE' : 'BASIS'}; usage: ${PROG} [OPTIONS] ${usage}`);
  if (a.action === 'signature') checkSignatureOptions(a.sig);
  else if (Object.keys(a.sig).length > 0) warn(`-b, -S, -H and -R only apply to signature; ignored for ${a.action}`);
  return a;
}

/** The library's checks, reported as usage errors naming the command-line option. */
function checkSignatureOptions(sig: SignatureOptions): void {
  const flag: Record<string, string> = {
    blockLength: '-b/--block-size',
    strongLength: '-S/--sum-size',
    hash: '-H/--hash',
    rollsum: '-R/--rollsum',
  };
  if (sig.blockLength !== undefined && sig.blockLength < 0)
    throw usageError(`invalid value for -b/--block-size: ${sig.blockLength} (0 for the recommended size, or 1..${MAX_BLOCK_LENGTH})`);
  try {
    resolveSignatureOptions(sig);
  } catch (err) {
    const e = err as Error;
    const key = Object.keys(flag).find((k) => e.message.includes(` for ${k}`));
    throw usageError(`invalid value for ${key ? flag[key] : 'an option'}: ${e.message}`);
  }
}
