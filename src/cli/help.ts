// `permafrost-agent --help`: the option table rendered by group, with defaults and choices,
// the options this build only recognises listed apart, examples and the exit codes. It imports
// only the table and the error codes, so --help never loads storage code or the native addon.
import { ExitCode } from '../base/errors.js';
import { isTerminal } from './out.js';
import { GROUPS, OPTIONS, OptionGroup, OptionSpec, supportedChoices } from '../config/options.js';
import { fill, prefixed, shellLines } from './wrap.js';

/** Where an option's help starts when its flags are short enough to share the line. */
const HELP_COLUMN = 26;
/** Narrower than this, flags such as `--os-identity-api-version, --os-auth-ver {…}` overflow. */
const MIN_WIDTH = 60;

const INTRO =
  'Backs up a file or directory as a chain of levels of GNU tar archives (level 0, then ' +
  'increments), compressed and optionally encrypted, to a storage: a local directory, SSH, Swift or S3, ' +
  "in OpenStack Freezer's layout; restores, lists and prunes them. A drop-in for freezer-agent: the " +
  'same option names and INI job files, and each restores what the other wrote. Options take ' +
  '--name VALUE or --name=VALUE; a unique prefix of a name is enough, and an on/off option is ' +
  'turned off with --no<name> (--nosync).';

const EXAMPLES: readonly (readonly [string, string])[] = [
  [
    'back up a directory to a local container (level 0, then increments)',
    'permafrost-agent --action backup --path-to-backup /data/dir --backup-name mybackup --storage local --container /srv/backups',
  ],
  [
    'restore the latest state, or the state at --restore-from-date (local time)',
    'permafrost-agent --action restore --restore-abs-path /data/restored --backup-name mybackup --storage local --container /srv/backups',
  ],
  ['what is in a container (a table; --json for machines)', 'permafrost-agent --action info --storage local --container /srv/backups'],
  [
    'retention: remove what is older than 30 days and needed by no kept backup',
    'permafrost-agent --action admin --backup-name mybackup --remove-older-than 30 --storage local --container /srv/backups',
  ],
  ['a Freezer INI job file (keys such as path_to_backup); the command line wins', 'permafrost-agent --config /etc/permafrost/job1.ini'],
];

/** Exit code names that read badly when only lower-cased. */
const EXIT_LABELS: Partial<Record<keyof typeof ExitCode, string>> = {
  INTERNAL: 'internal error (a bug)',
  LOCKED: 'chain locked',
  TARGET: 'restore target unusable',
};

/** The terminal's width when stdout is one, else 80 (a pipe, a file, a test). */
export function helpWidth(): number {
  // process.stdout is a stream whose first touch loads modules help has no use for.
  const columns = isTerminal(1) ? process.stdout.columns : undefined;
  return columns ? Math.max(MIN_WIDTH, columns) : 80;
}

/** 33554432 → 32M: sizes as an operator would type them. */
function humanSize(bytes: number): string {
  const units = ['T', 'G', 'M', 'K'] as const;
  for (let i = 0; i < units.length; i++) {
    const unit = 1024 ** (units.length - i);
    if (bytes > 0 && bytes % unit === 0) return `${bytes / unit}${units[i]}`;
  }
  return String(bytes);
}

function metavar(spec: OptionSpec): string {
  if (spec.type === 'bool') return '';
  if (spec.metavar) return ` ${spec.metavar}`;
  if (spec.choices) {
    const shown = supportedChoices(spec).filter((c, i, all) => all.findIndex((d) => d.toLowerCase() === c.toLowerCase()) === i);
    return ` {${shown.join(',')}}`;
  }
  if (spec.type === 'strbool') return ' [yes|no]';
  if (spec.type === 'strword') return ' [WORD]';
  return { int: ' N', float: ' N', size: ' SIZE', str: ` ${spec.dest.toUpperCase()}` }[spec.type];
}

/** `-F, --path-to-backup PATH`; dashed aliases are shown, underscore spellings are not. */
function flags(spec: OptionSpec): string {
  const names = [`--${spec.name}`, ...(spec.aliases ?? []).filter((a) => !a.includes('_')).map((a) => `--${a}`)];
  if (spec.type === 'bool' && spec.default === true) names.push(`--no${spec.name}`);
  if (spec.short) names.unshift(`-${spec.short}`);
  return names.join(', ') + metavar(spec);
}

function defaultNote(spec: OptionSpec): string {
  if (spec.default === undefined || spec.default === false) return '';
  if (spec.default === true) return '[default: on]';
  return `[default: ${spec.type === 'size' ? humanSize(spec.default as number) : (spec.default as string | number)}]`;
}

/** argparse's layout: help beside short flags, on the next line after long ones. */
function optionLines(spec: OptionSpec, width: number): string[] {
  const head = `  ${flags(spec)}`;
  const words = [...spec.help.split(' '), defaultNote(spec)];
  const body = prefixed(' '.repeat(HELP_COLUMN), words, width);
  if (head.length + 2 > HELP_COLUMN) return [head, ...body];
  return [head.padEnd(HELP_COLUMN) + body[0].trimStart(), ...body.slice(1)];
}

function groupSection(group: OptionGroup, width: number): string[] {
  const options = OPTIONS.filter((o) => o.group === group && o.supported !== false);
  if (!options.length) return [];
  return ['', `${GROUPS[group]}:`, ...options.flatMap((o) => optionLines(o, width))];
}

function notSupportedSection(width: number): string[] {
  const names = OPTIONS.filter((o) => o.supported === false).map((o) => `--${o.name}`);
  const values = OPTIONS.filter((o) => o.unsupportedChoices?.length && o.supported !== false).map(
    (o) => `--${o.name} ${o.unsupportedChoices!.join('|')}`,
  );
  return [
    '',
    'Recognised but not supported by this build:',
    ...prefixed(
      '  ',
      'freezer-agent options this build knows by name but does not implement: using one exits with code 8 (not supported yet); none is ever ignored.',
      width,
    ),
    ...prefixed('  ', names.join(', '), width),
    ...prefixed('  ', `The same goes for these values: ${values.join('; ')}.`, width),
  ];
}

function examplesSection(width: number): string[] {
  const lines = ['', 'Examples:'];
  for (const [what, command] of EXAMPLES) lines.push(...prefixed('  # ', what, width), ...shellLines(command, 2, width));
  return lines;
}

function exitCodesSection(width: number): string[] {
  const codes = Object.entries(ExitCode).map(
    ([name, code]) => `${code} ${EXIT_LABELS[name as keyof typeof ExitCode] ?? name.toLowerCase().replace(/_/g, ' ')}`,
  );
  return [
    '',
    ...fill(
      `Exit codes: ${codes.join(', ')}; --action exec exits with its command's code. The README's "Exit codes" section tells more.`,
      width,
    ),
  ];
}

export function helpText(width = helpWidth()): string {
  const lines = [
    'usage: permafrost-agent [--action ACTION] [options]',
    '       permafrost-agent --config FILE [options]',
    '       permafrost-agent -h | --help | --version',
    '',
    ...fill(INTRO, width),
    ...(Object.keys(GROUPS) as OptionGroup[]).flatMap((g) => groupSection(g, width)),
    ...notSupportedSection(width),
    ...examplesSection(width),
    ...exitCodesSection(width),
  ];
  return lines.join('\n');
}
