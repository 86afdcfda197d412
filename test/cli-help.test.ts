// --help as a person reads it (grouped, defaults, the unsupported options apart, examples,
// width) and the "did you mean" hints of usage and job-file errors, through the real CLI.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { AGENT, REPO, agent, agentOk } from './helpers/agent.js';
import { tempDir } from './helpers/tree.js';
import { helpText } from '../src/cli/help.js';
import { GROUPS, OPTIONS, OptionSpec } from '../src/config/options.js';
import { editDistance } from '../src/base/suggest.js';
import { ExitCode } from '../src/base/errors.js';

const NOT_SUPPORTED = 'Recognised but not supported by this build';

/** Help sections: the heading line (without its colon) → the lines under it. */
function sections(text: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const block of text.split('\n\n')) {
    const [heading, ...lines] = block.split('\n');
    out.set(heading.replace(/:$/, ''), lines);
  }
  return out;
}

/** An option's entry in a section: its flags line and the help lines after it. */
function entryOf(lines: readonly string[], o: OptionSpec): string | undefined {
  const start = lines.findIndex((l) => /^ {2}-/.test(l) && mentions(l, o.name) > 0);
  if (start < 0) return undefined;
  const end = lines.findIndex((l, i) => i > start && /^ {2}-/.test(l));
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}

/** How often `--name` occurs as a whole option name (so `--incremental` is not `--no-incremental`). */
function mentions(text: string, name: string): number {
  return text.match(new RegExp(`(?<![\\w-])--${name}(?![\\w-])`, 'g'))?.length ?? 0;
}

/** Relative modules that `file` loads by static import or re-export, transitively. */
function staticImports(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const src = fs.readFileSync(file, 'utf8');
  for (const m of src.matchAll(/^(?:import|export)\s[^'"]*?from\s*['"](\.[^'"]+)['"]|^import\s*['"](\.[^'"]+)['"]/gm)) {
    staticImports(path.resolve(path.dirname(file), m[1] ?? m[2]), seen);
  }
  return seen;
}

const columns = (line: string) => [...line].length;
const supported = OPTIONS.filter((o) => o.supported !== false);
const unsupported = OPTIONS.filter((o) => o.supported === false);

describe('--help', function () {
  let help: string;
  before(() => {
    help = agentOk(['--help']).stdout;
  });

  it('shows the usage line, then the groups in their order, each once', function () {
    assert.match(help, /^usage: permafrost-agent /);
    const headings = help
      .split('\n')
      .filter((l) => /^\S.*:$/.test(l))
      .map((l) => l.slice(0, -1));
    const groups = headings.filter((h) => Object.values(GROUPS).includes(h as never));
    assert.deepEqual(groups, [
      'Action and job',
      'What to back up',
      'Levels and retention',
      'Restore',
      'Storage',
      'SSH storage (--storage ssh)',
      'Swift storage and Keystone (--storage swift)',
      'S3 storage (--storage s3)',
      'Compression, encryption and segments',
      'Process',
      'Output and logging',
    ]);
    assert.ok(headings.indexOf(NOT_SUPPORTED) > headings.indexOf(GROUPS.output), 'the unsupported options come after every group');
  });

  it('lists every supported option under its own group, with its default when it has one', function () {
    const bySection = sections(help);
    for (const o of supported) {
      const entry = entryOf(bySection.get(GROUPS[o.group]) ?? [], o);
      assert.ok(entry, `--${o.name} under "${GROUPS[o.group]}"`);
      if (o.default !== undefined && o.default !== false) assert.match(entry, /\[default: [^\]]+\]/, `--${o.name} shows its default`);
    }
    const entry = (name: string) =>
      entryOf(
        bySection.get(GROUPS[OPTIONS.find((o) => o.name === name)!.group])!,
        OPTIONS.find((o) => o.name === name)!,
      )!;
    assert.match(entry('compression'), /^ {2}--compression \{gzip,bzip2,xz,zstd,none\}[\s\S]*\[default: gzip\]/);
    assert.match(entry('max-segment-size'), /^ {2}-M, --max-segment-size SIZE[\s\S]*\[default: 32M\]/);
    assert.match(entry('sync'), /^ {2}--sync, --nosync[\s\S]*\[default: on\]/);
    assert.match(entry('hostname'), /--hostname, --restore-from-host HOST/);
  });

  it('lists the options this build does not support only in the final section, saying they exit with code 8', function () {
    const last = sections(help).get(NOT_SUPPORTED);
    assert.ok(last, 'a section of unsupported options');
    const section = last.join('\n');
    assert.match(section, /code 8/);
    for (const o of unsupported) {
      assert.equal(mentions(section, o.name), 1, `--${o.name} in the final section`);
      assert.equal(mentions(help, o.name), 1, `--${o.name} nowhere else`);
    }
    const [names, values] = section.split('The same goes for these values:');
    for (const o of supported) assert.equal(mentions(names, o.name), 0, `--${o.name} is supported`);
    assert.match(values, /--storage ftp\|ftps/, 'unsupported values of supported options too');
    assert.doesNotMatch(help.split(NOT_SUPPORTED)[0], /\{[^}]*ftp/, 'and not among the choices of --storage');
  });

  it('mentions every option of the table', function () {
    assert.deepEqual(
      OPTIONS.filter((o) => mentions(help, o.name) === 0).map((o) => o.name),
      [],
    );
  });

  it('gives examples of backup, restore, info, admin and a job file, and the exit codes', function () {
    const examples = (sections(help).get('Examples') ?? []).join('\n');
    for (const action of ['backup', 'restore', 'info', 'admin'])
      assert.match(examples, new RegExp(`^ {2}permafrost-agent --action ${action} `, 'm'));
    assert.match(examples, /^ {2}permafrost-agent --config \S+\.ini$/m);
    assert.match(examples, /^ {2}# /m, 'each example says what it does');
    assert.match(help.replace(/\s+/g, ' '), /Exit codes: 0 ok, 1 internal error \(a bug\), 2 usage, .*8 not supported, .*130 interrupted/);
  });

  it('keeps every line within 80 columns when stdout is not a terminal', function () {
    const long = help.split('\n').filter((l) => columns(l) > 80);
    assert.deepEqual(long, []);
    assert.ok(
      help.split('\n').some((l) => columns(l) > 70),
      'and uses the width',
    );
  });

  it('wraps to the terminal width when stdout is a terminal', function () {
    const script = spawnSync('script', ['--version'], { encoding: 'utf8' });
    if (script.error) {
      console.log('      skipped: no script(1) here to give the agent a terminal');
      this.skip();
    }
    for (const cols of [70, 120]) {
      const r = spawnSync('script', ['-qec', `stty cols ${cols}; exec '${process.execPath}' '${AGENT}' --help`, '/dev/null'], {
        encoding: 'utf8',
      });
      const lines = r.stdout.replace(/\r/g, '').split('\n');
      assert.ok(lines.length > 100, r.stdout + r.stderr);
      const widest = Math.max(...lines.map(columns));
      assert.ok(widest <= cols && widest > cols - 10, `filled to ${cols} columns, not ${widest}`);
    }
    assert.deepEqual(
      helpText(60)
        .split('\n')
        .filter((l) => columns(l) > 60),
      [],
      'narrow widths fit too',
    );
  });

  it('the binary prints, into a pipe, the 80-column text captured at build time, identical to the one laid out now', function () {
    // bin/start.cjs prints dist/bin/*.answers.json (scripts/bundle.mjs); dist/src lays it out.
    assert.equal(agentOk(['--help']).stdout, `${helpText(80)}\n`);
    assert.equal(agentOk(['-h']).stdout, `${helpText(80)}\n`);
    assert.equal(agentOk(['--version']).stdout, `${JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')).version}\n`);
  });

  it('loads no storage code and not the native addon (so it stays fast)', function () {
    const loaded = [...staticImports(path.join(REPO, 'dist', 'src', 'cli', 'agent.js'))].map((f) =>
      path.relative(path.join(REPO, 'dist', 'src'), f),
    );
    assert.ok(loaded.includes(path.join('cli', 'help.js')));
    assert.deepEqual(
      loaded.filter((f) => f.startsWith('storage') || f === 'native.js'),
      [],
    );
  });
});

describe('did you mean', function () {
  let work: string;
  before(() => {
    work = tempDir();
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('measures edit distance with adjacent swaps costing one (Damerau–Levenshtein)', function () {
    assert.equal(editDistance('lcoal', 'local'), 1);
    assert.equal(editDistance('compresion', 'compression'), 1);
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('', 'abc'), 3);
  });

  it('suggests the nearest option for a mistyped one, with the usage exit code', function () {
    const r = agent(['--compresion', 'zstd']);
    assert.equal(r.status, ExitCode.USAGE);
    assert.match(r.stderr, /unrecognized arguments: --compresion zstd \(did you mean --compression\?\)/);
    assert.match(agent(['--path_to_backup', '/x']).stderr, /\(did you mean --path-to-backup\?\)/);
  });

  it('suggests the --no form of a flag', function () {
    const r = agent(['--nosyncc']);
    assert.equal(r.status, ExitCode.USAGE);
    assert.match(r.stderr, /unrecognized arguments: --nosyncc \(did you mean --nosync\?\)/);
    assert.match(agent(['--no-sync']).stderr, /\(did you mean --nosync\?\)/);
    assert.match(
      agent(['--nocompression']).stderr,
      /unrecognized arguments: --nocompression \(--compression takes a value, and only on\/off options have a --no form\)/,
    );
  });

  it('suggests the nearest value of a choice', function () {
    const r = agent(['--storage', 'lcoal']);
    assert.equal(r.status, ExitCode.USAGE);
    assert.match(
      r.stderr,
      /invalid value for --storage: expected one of local, ssh, swift, s3, ftp, ftps, got "lcoal" \(did you mean local\?\)/,
    );
  });

  it('suggests the nearest key of a job file, spelt as the file spells its keys, with the config exit code', function () {
    const ini = path.join(work, 'typo.ini');
    fs.writeFileSync(ini, '[default]\npath_to_bakcup = /data\n');
    const r = agent(['--config', ini]);
    assert.equal(r.status, ExitCode.CONFIG);
    assert.match(r.stderr, /typo\.ini \[default\]: unknown option "path_to_bakcup" \(did you mean path_to_backup\?\)/);
    fs.writeFileSync(ini, '[default]\nmax-levle = 3\n');
    assert.match(agent(['--config', ini]).stderr, /unknown option "max-levle" \(did you mean max-level\?\)/);
    fs.writeFileSync(ini, '[default]\nstorage = lcoal\n');
    assert.match(agent(['--config', ini]).stderr, /storage: expected one of .*\(did you mean local\?\)/);
  });

  it('suggests nothing far from every name, and keeps the ambiguity message for prefixes', function () {
    for (const args of [['--zzzzzz'], ['--dbg'], ['--storage', 'tape']]) {
      const r = agent(args);
      assert.equal(r.status, ExitCode.USAGE, args.join(' '));
      assert.doesNotMatch(r.stderr, /did you mean/, args.join(' '));
    }
    assert.match(agent(['--zzzzzz']).stderr, /unrecognized arguments: --zzzzzz \(see --help\)/);
    const ini = path.join(work, 'far.ini');
    fs.writeFileSync(ini, '[default]\ncolour = blue\n');
    const far = agent(['--config', ini]);
    assert.equal(far.status, ExitCode.CONFIG);
    assert.match(far.stderr, /unknown option "colour"$/m);
    assert.match(agent(['--os-p', 'x']).stderr, /ambiguous option: --os-p could match --os-password, --os-project-name/);
  });
});
