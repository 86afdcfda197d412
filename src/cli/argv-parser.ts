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
  /**
   * An `exact` option that a unique prefix of its long name names too, as argparse has its
   * --help and --version (`--vers`); its full name and letter stay whole-argument only.
   */
  prefixes?: boolean;
  /**
   * Not the original tool's (a permafrost extension): a prefix that names exactly one of the
   * original tool's options stands for it, even if it also begins an extension's name, so that
   * a prefix the original tool accepts (`--compress` for freezer-agent) keeps its meaning.
   */
  extension?: boolean;
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
  /**
   * argparse's way: unknown options, and arguments that are neither options nor their values,
   * are gathered and reported together once the whole line is parsed (after any bad value of a
   * known option), by this message. Without it, the first is reported by `unknown` at once.
   */
  unrecognized?(extras: readonly string[]): string;
}

/** What the callback returns to end the parsing there (argparse's --help and --version). */
export const STOP = Symbol('stop');

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
  on: (o: Occurrence<O>) => void | typeof STOP,
): string[] {
  const positional: string[] = [];
  const extras: string[] = [];
  let i = 0;
  const next: Next = { peek: () => argv[i + 1], take: () => argv[++i] };
  for (; i < argv.length; i++) {
    const arg = argv[i];
    const whole = table.find(
      (o) => o.exact && (arg === `--${o.long}` || (arg.length === 2 && arg[0] === '-' && !!o.short?.includes(arg[1]))),
    );
    if (whole) {
      if (on({ option: whole, negated: false, shown: arg }) === STOP) return positional;
    } else if (arg === '--' && rules.positionals) {
      positional.push(...argv.slice(i + 1));
      break;
    } else if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const found = resolveLong(eq >= 0 ? arg.slice(2, eq) : arg.slice(2), arg, table, rules);
      const inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
      if (!found) extras.push(arg);
      else if (on(withValue(found.option, `--${found.option.long}`, inline, found.negated, rules, next)) === STOP) return positional;
    } else if (arg.startsWith('-') && arg.length >= 2) {
      if (!shortOptions(arg, table, rules, next, on)) extras.push(arg);
    } else if (rules.positionals) {
      positional.push(arg);
    } else if (rules.unrecognized) {
      extras.push(arg);
    } else {
      throw usageError(`unexpected argument "${arg}": options take the form --name value`);
    }
  }
  if (extras.length) throw usageError(rules.unrecognized!(extras));
  return positional;
}

/** The arguments after the one being parsed, for an option's value. */
interface Next {
  peek(): string | undefined;
  take(): string | undefined;
}

/** One way to name an option in full: its long name, an alias, or (for a flag) its `--no` form. */
interface Spelling<O> {
  name: string;
  option: O;
  negated: boolean;
}

function spellings<O extends ArgOption>(table: readonly O[], rules: ArgvRules): Spelling<O>[] {
  return table
    .filter((o) => !o.exact)
    .flatMap((option) => {
      const names = [option.long, ...(option.aliases ?? [])].map((name) => ({ name, option, negated: false }));
      const no = rules.noForms && option.takes === 'flag' ? [{ name: `no${option.long}`, option, negated: true }] : [];
      return [...names, ...no];
    });
}

/**
 * By exact name (a `--no` form included), then by unique prefix as the rules allow: first among
 * the original tool's options, then among all. Undefined for a name that is no option when the
 * rules gather those (`unrecognized`).
 */
function resolveLong<O extends ArgOption>(
  name: string,
  arg: string,
  table: readonly O[],
  rules: ArgvRules,
): { option: O; negated: boolean } | undefined {
  const all = spellings(table, rules);
  const exact = all.find((s) => s.name === name);
  if (exact) return exact;
  if (rules.abbreviations && name !== '') {
    const questions = table.filter((o) => o.exact && o.prefixes).map((option) => ({ name: option.long, option, negated: false }));
    const matching = [...questions, ...all].filter((s) => s.name.startsWith(name));
    for (const pool of [matching.filter((s) => !s.option.extension), matching]) {
      const options = new Set(pool.map((s) => s.option));
      if (options.size === 1) return { option: pool[0].option, negated: pool.every((s) => s.negated) };
      if (options.size > 1) {
        const names = [...new Set(matching.map((s) => `--${s.negated ? 'no' : ''}${s.option.long}`))];
        throw usageError(`ambiguous option: --${name} could match ${names.join(', ')}`);
      }
    }
  }
  if (rules.unrecognized) return undefined;
  throw usageError(rules.unknown({ long: name, arg }));
}

/**
 * `-X…`: one option and its value, or (with clusters) a run of flags ending with at most one
 * option that takes a value. False for an unknown first letter when the rules gather those.
 */
function shortOptions<O extends ArgOption>(
  arg: string,
  table: readonly O[],
  rules: ArgvRules,
  next: Next,
  on: (o: Occurrence<O>) => void | typeof STOP,
): boolean {
  for (let j = 1; j < arg.length; j++) {
    const letter = arg[j];
    const option = table.find((o) => !o.exact && o.short?.includes(letter));
    if (!option && rules.unrecognized && j === 1) return false;
    if (!option) throw usageError(rules.unknown({ short: letter, arg }));
    const shown = `-${option.short![0]}/--${option.long}`;
    let rest: string | undefined = arg.slice(j + 1);
    if (!rules.clusters) {
      on(withValue(option, shown, rest === '' ? undefined : rest, false, rules, next));
      return true;
    }
    if (option.takes === 'flag') {
      on({ option, negated: false, shown });
      continue;
    }
    if (rest.startsWith('=')) rest = rest.slice(1);
    on(withValue(option, shown, rest === '' ? undefined : rest, false, rules, next));
    return true;
  }
  return true;
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
