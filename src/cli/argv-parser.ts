// One command-line parser for both binaries, driven by a table of options and a few rule
// switches: permafrost-agent parses with argparse's rules as freezer-agent has them (unique
// prefixes, `--noflag`, no positional arguments), permafrost-rdiff with popt's as rdiff has
// them (clustered short flags, `-b=N`, positional arguments, `--`). What each option means is
// the caller's: the parser reports every occurrence, in order, as it meets it, so that a bad
// value is reported before anything later on the line, as both tools do.
import { usageError } from '../base/errors.js';

export interface ArgOption {
  /** Long name without dashes (`block-size`). */
  long: string;
  /** Other long spellings (`restore_from_host`). */
  aliases?: readonly string[];
  /** Short names, one letter each (`b`; rdiff's help has two, `?h`). */
  short?: string;
  /** `optional-value`: takes the next argument unless there is none or it starts with `-`. */
  takes: 'flag' | 'value' | 'optional-value';
  /**
   * Named only by a whole argument, `--long` or `-s`: never abbreviated, clustered, given a
   * value or suggested (the agent's --help, -h and --version, outside freezer-agent's table).
   */
  exact?: boolean;
}

export interface ArgvRules {
  /**
   * Arguments that are not options are positional (`-` among them; `--` ends the options);
   * without this, each is a usage error.
   */
  positionals: boolean;
  /** A unique prefix of a long name stands for it (argparse). */
  abbreviations: boolean;
  /** `--no<name>` turns a flag off (oslo.config's `--nosync`). */
  noForms: boolean;
  /**
   * popt's short options: flags cluster (`-fs`), and a value follows its letter, the rest of
   * the argument after an optional `=` (`-fb512`, `-b=512`). Without this, only the first
   * letter is an option and the rest of the argument is its value (`-M64K`).
   */
  clusters: boolean;
  /** `--flag=value` sets a flag from a value (oslo.config: `--sync=false`); else a usage error. */
  flagValues: boolean;
  /** The message for a name that is no option: `long` (without dashes or value) or `short` (its letter). */
  unknown(typed: { long?: string; short?: string; arg: string }): string;
}

export interface Occurrence<O extends ArgOption> {
  option: O;
  /** As given; undefined for a flag, or an optional value, given none. */
  value?: string;
  /** Named by its `--no` form. */
  negated: boolean;
  /** How messages name it: `--block-size`, or `-b/--block-size` when given by its letter. */
  shown: string;
}

/**
 * Calls `on` with each option of `argv` in order; returns the positional arguments. Usage
 * errors (exit code 2) for unknown, ambiguous or incomplete options, and for positional
 * arguments where the rules allow none.
 */
export function parseArgs<O extends ArgOption>(
  argv: readonly string[],
  table: readonly O[],
  rules: ArgvRules,
  on: (o: Occurrence<O>) => void,
): string[] {
  const positional: string[] = [];
  let i = 0;
  const next: Next = { peek: () => argv[i + 1], take: () => argv[++i] };
  for (; i < argv.length; i++) {
    const arg = argv[i];
    const whole = table.find(
      (o) => o.exact && (arg === `--${o.long}` || (arg.length === 2 && arg[0] === '-' && !!o.short?.includes(arg[1]))),
    );
    if (whole) {
      on({ option: whole, negated: false, shown: arg });
    } else if (arg === '--' && rules.positionals) {
      positional.push(...argv.slice(i + 1));
      break;
    } else if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const { option, negated } = resolveLong(eq >= 0 ? arg.slice(2, eq) : arg.slice(2), arg, table, rules);
      on(withValue(option, `--${option.long}`, eq >= 0 ? arg.slice(eq + 1) : undefined, negated, rules, next));
    } else if (arg.startsWith('-') && arg.length >= 2) {
      shortOptions(arg, table, rules, next, on);
    } else if (rules.positionals) {
      positional.push(arg);
    } else {
      throw usageError(`unexpected argument "${arg}": options take the form --name value`);
    }
  }
  return positional;
}

/** The arguments after the one being parsed, for an option's value. */
interface Next {
  peek(): string | undefined;
  take(): string | undefined;
}

const named = (o: ArgOption, name: string) => !o.exact && (o.long === name || !!o.aliases?.includes(name));

/** By exact name, then by `--no` form, then by unique prefix, as the rules allow. */
function resolveLong<O extends ArgOption>(
  name: string,
  arg: string,
  table: readonly O[],
  rules: ArgvRules,
): { option: O; negated: boolean } {
  const exact = table.find((o) => named(o, name));
  if (exact) return { option: exact, negated: false };
  if (rules.noForms && name.startsWith('no')) {
    const flag = table.find((o) => named(o, name.slice(2)));
    if (flag?.takes === 'flag') return { option: flag, negated: true };
  }
  if (rules.abbreviations) {
    const candidates = table.filter((o) => !o.exact && [o.long, ...(o.aliases ?? [])].some((n) => n.startsWith(name)));
    if (candidates.length === 1) return { option: candidates[0], negated: false };
    if (candidates.length > 1) throw usageError(`ambiguous option --${name}: could be ${candidates.map((o) => `--${o.long}`).join(', ')}`);
  }
  throw usageError(rules.unknown({ long: name, arg }));
}

/** `-X…`: one option and its value, or (with clusters) a run of flags ending with at most one option that takes a value. */
function shortOptions<O extends ArgOption>(
  arg: string,
  table: readonly O[],
  rules: ArgvRules,
  next: Next,
  on: (o: Occurrence<O>) => void,
): void {
  for (let j = 1; j < arg.length; j++) {
    const letter = arg[j];
    const option = table.find((o) => !o.exact && o.short?.includes(letter));
    if (!option) throw usageError(rules.unknown({ short: letter, arg }));
    const shown = `-${option.short![0]}/--${option.long}`;
    let rest: string | undefined = arg.slice(j + 1);
    if (!rules.clusters) {
      on(withValue(option, shown, rest === '' ? undefined : rest, false, rules, next));
      return;
    }
    if (option.takes === 'flag') {
      on({ option, negated: false, shown });
      continue;
    }
    if (rest.startsWith('=')) rest = rest.slice(1);
    on(withValue(option, shown, rest === '' ? undefined : rest, false, rules, next));
    return;
  }
}

/** The occurrence of `option` with its value: `inline` (after `=` or the letter), else the next argument if it takes one. */
function withValue<O extends ArgOption>(
  option: O,
  shown: string,
  inline: string | undefined,
  negated: boolean,
  rules: ArgvRules,
  next: Next,
): Occurrence<O> {
  if (option.takes === 'flag') {
    if (inline !== undefined && !rules.flagValues) throw usageError(`option ${shown} takes no value`);
    return { option, value: inline, negated, shown };
  }
  if (inline !== undefined) return { option, value: inline, negated, shown };
  return { option, value: valueArgument(option, shown, next), negated, shown };
}

function valueArgument(option: ArgOption, shown: string, next: Next): string | undefined {
  const value = next.peek();
  // An optional value is not taken from what looks like the next option.
  if (option.takes === 'optional-value' && (value === undefined || value.startsWith('-'))) return undefined;
  if (value === undefined) throw usageError(`option ${shown} needs a value`);
  return next.take();
}

/** Every spelling that names an option in full: long names, aliases and, with the rules' `--no` forms, those of flags. */
export function fullSpellings(table: readonly ArgOption[], rules: ArgvRules): string[] {
  const usable = table.filter((o) => !o.exact);
  const names = usable.flatMap((o) => [o.long, ...(o.aliases ?? [])]);
  const noForms = rules.noForms ? usable.filter((o) => o.takes === 'flag').map((o) => `no${o.long}`) : [];
  return [...names, ...noForms];
}
