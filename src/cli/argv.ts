// permafrost-agent's command line, with argparse's rules as freezer-agent (oslo.config) has
// them: `--opt value`, `--opt=value`, `-X value`, `--noflag` for booleans, and unambiguous
// prefixes (`--restore-abs-pat` from Freezer's own README works; a prefix that names one of
// freezer-agent's own options names it even where it also begins one of our extensions, as
// `--compress` does `--compression-level`). Unknown arguments are reported in argparse's words
// (`unrecognized arguments: …`, which scripts look for) with the nearest name as a hint; --help
// and --version answer as soon as they are met, as argparse's actions do. The parsing is
// argv-parser.ts's; this file maps the option table onto it.
import { usageError } from '../base/errors.js';
import { OPTIONS, OptionSpec, optionByName } from '../config/options.js';
import { didYouMean } from '../base/suggest.js';
import { ValueError, convertValue } from '../config/values.js';
import { ArgOption, ArgvRules, STOP, fullSpellings, parseArgs } from './argv-parser.js';

export interface ParsedArgv {
  values: Record<string, unknown>;
  help: boolean;
  version: boolean;
}

/** An option of the table, or one of the two questions outside it. */
interface AgentArg extends ArgOption {
  spec?: OptionSpec;
  asks?: 'help' | 'version';
}

const TAKES = { bool: 'flag', strbool: 'optional-value', strword: 'optional-value' } as const;

const TABLE: readonly AgentArg[] = [
  { long: 'help', short: 'h', takes: 'flag', exact: true, prefixes: true, asks: 'help' },
  { long: 'version', takes: 'flag', exact: true, prefixes: true, asks: 'version' },
  ...OPTIONS.map((spec): AgentArg => ({
    long: spec.name,
    aliases: spec.aliases,
    short: spec.short,
    takes: TAKES[spec.type as keyof typeof TAKES] ?? 'value',
    extension: spec.extension,
    spec,
  })),
];

const RULES: ArgvRules = {
  positionals: false,
  abbreviations: true,
  noForms: true,
  clusters: false,
  flagValues: true,
  unknown: ({ arg }) => unrecognized([arg]),
  unrecognized,
};

/** argparse's message (its arguments joined by spaces, as it has them), then a hint for the first unknown option. */
function unrecognized(extras: readonly string[]): string {
  const first = extras.find((a) => a.startsWith('--') && a.length > 2);
  return `unrecognized arguments: ${extras.join(' ')}${first ? unknownHint(first.slice(2).split('=')[0]) : ' (see --help)'}`;
}

function unknownHint(name: string): string {
  const rest = name.startsWith('no') ? optionByName(name.slice(2)) : undefined;
  if (rest) return ` (--${rest.name} takes a value, and only on/off options have a --no form)`;
  return didYouMean(name, fullSpellings(TABLE, RULES), (w) => `--${w}`) || ' (see --help)';
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
  const parsed: ParsedArgv = { values: {}, help: false, version: false };
  parseArgs(argv, TABLE, RULES, ({ option, value, negated, shown }) => {
    if (option.asks) {
      parsed[option.asks] = true;
      return STOP;
    }
    const spec = option.spec!;
    // A flag without a value is on (off by its --no form); so is an on/off option whose value is left out.
    if (value === undefined) parsed.values[spec.dest] = !negated;
    else store(parsed.values, spec, value, shown);
  });
  return parsed;
}
