// permafrost-agent's command line, with argparse's rules as freezer-agent (oslo.config) has
// them: `--opt value`, `--opt=value`, `-X value`, `--noflag` for booleans, and unambiguous
// prefixes (`--restore-abs-pat` from Freezer's own README works). A name that matches nothing
// gets the nearest one. The parsing is argv-parser.ts's; this file maps the option table onto it.
import { usageError } from '../base/errors.js';
import { OPTIONS, OptionSpec, optionByName } from '../config/options.js';
import { didYouMean } from '../base/suggest.js';
import { ValueError, convertValue } from '../config/values.js';
import { ArgOption, ArgvRules, fullSpellings, parseArgs } from './argv-parser.js';

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
  { long: 'help', short: 'h', takes: 'flag', exact: true, asks: 'help' },
  { long: 'version', takes: 'flag', exact: true, asks: 'version' },
  ...OPTIONS.map((spec): AgentArg => ({
    long: spec.name,
    aliases: spec.aliases,
    short: spec.short,
    takes: TAKES[spec.type as keyof typeof TAKES] ?? 'value',
    spec,
  })),
];

const RULES: ArgvRules = {
  positionals: false,
  abbreviations: true,
  noForms: true,
  clusters: false,
  flagValues: true,
  unknown: ({ long, arg }) => (long === undefined ? `unknown option ${arg} (see --help)` : unknownLong(long)),
};

function unknownLong(name: string): string {
  const rest = name.startsWith('no') ? optionByName(name.slice(2)) : undefined;
  if (rest) return `unknown option --${name}: --${rest.name} takes a value, and only on/off options have a --no form`;
  const hint = didYouMean(name, fullSpellings(TABLE, RULES), (w) => `--${w}`);
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
  const parsed: ParsedArgv = { values: {}, help: false, version: false };
  parseArgs(argv, TABLE, RULES, ({ option, value, negated, shown }) => {
    if (option.asks) {
      parsed[option.asks] = true;
      return;
    }
    const spec = option.spec!;
    // A flag without a value is on (off by its --no form); so is an on/off option whose value is left out.
    if (value === undefined) parsed.values[spec.dest] = !negated;
    else store(parsed.values, spec, value, shown);
  });
  return parsed;
}
