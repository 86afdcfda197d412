// Command-line parsing with argparse's rules, as freezer-agent (oslo.config) has them:
// `--opt value`, `--opt=value`, `-X value`, `--noflag` for booleans, and unambiguous prefixes
// (`--restore-abs-pat` from Freezer's own README works). A name that matches nothing gets the nearest one.
import { usageError } from '../base/errors.js';
import { OPTIONS, OptionSpec, longNames, optionByName, optionByShort } from '../config/options.js';
import { didYouMean } from '../base/suggest.js';
import { ValueError, convertValue } from '../config/values.js';

export interface ParsedArgv {
  values: Record<string, unknown>;
  help: boolean;
  version: boolean;
}

function resolveLong(name: string): { spec: OptionSpec; negated: boolean } {
  const exact = optionByName(name);
  if (exact) return { spec: exact, negated: false };
  const neg = name.startsWith('no') ? optionByName(name.slice(2)) : undefined;
  if (neg && neg.type === 'bool') return { spec: neg, negated: true };
  const candidates = new Set<OptionSpec>();
  for (const long of longNames()) if (long.startsWith(name)) candidates.add(optionByName(long)!);
  if (candidates.size === 1) return { spec: [...candidates][0], negated: false };
  if (candidates.size > 1) {
    const names = [...candidates].map((o) => `--${o.name}`).join(', ');
    throw usageError(`ambiguous option --${name}: could be ${names}`);
  }
  throw usageError(unknownLong(name));
}

/** Every spelling resolveLong accepts in full: names, aliases and the --no forms of flags. */
function knownLongs(): string[] {
  return [...longNames(), ...OPTIONS.filter((o) => o.type === 'bool').map((o) => `no${o.name}`)];
}

function unknownLong(name: string): string {
  const rest = name.startsWith('no') ? optionByName(name.slice(2)) : undefined;
  if (rest) return `unknown option --${name}: --${rest.name} takes a value, and only on/off options have a --no form`;
  const hint = didYouMean(name, knownLongs(), (w) => `--${w}`);
  return `unknown option --${name}${hint || ' (see --help)'}`;
}

function store(values: Record<string, unknown>, spec: OptionSpec, raw: string, shown: string): void {
  let value: unknown;
  try {
    value = convertValue(spec, raw);
  } catch (err) {
    if (err instanceof ValueError) throw usageError(`invalid value for ${shown}: ${err.message}`);
    throw err;
  }
  if (spec.multi) values[spec.dest] = [...((values[spec.dest] as unknown[]) ?? []), value];
  else values[spec.dest] = value;
}

export function parseArgv(argv: readonly string[]): ParsedArgv {
  const values: Record<string, unknown> = {};
  let help = false;
  let version = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-h' || arg === '--help') { help = true; continue; }
    if (arg === '--version') { version = true; continue; }
    let spec: OptionSpec;
    let negated = false;
    let inline: string | undefined;
    let shown: string;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      if (eq >= 0) inline = arg.slice(eq + 1);
      ({ spec, negated } = resolveLong(name));
      shown = `--${spec.name}`;
    } else if (arg.startsWith('-') && arg.length >= 2) {
      const s = optionByShort(arg[1]);
      if (!s) throw usageError(`unknown option ${arg} (see --help)`);
      spec = s;
      if (arg.length > 2) inline = arg.slice(2);
      shown = `-${arg[1]}/--${spec.name}`;
    } else {
      throw usageError(`unexpected argument "${arg}": options take the form --name value`);
    }
    if (spec.type === 'bool') {
      if (inline !== undefined) store(values, spec, inline, shown);
      else values[spec.dest] = !negated;
      continue;
    }
    if (inline === undefined) {
      const next = argv[i + 1];
      const optionalValue = spec.type === 'strbool';
      if (next === undefined || (optionalValue && next.startsWith('-'))) {
        if (optionalValue) { values[spec.dest] = true; continue; }
        throw usageError(`option ${shown} needs a value`);
      }
      inline = next;
      i++;
    }
    store(values, spec, inline, shown);
  }
  return { values, help, version };
}
