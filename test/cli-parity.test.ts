// Command-line parity with freezer-agent's argparse (through oslo.config), through the real
// binary: unique prefixes resolved among Freezer's own options first, argparse's words for
// ambiguous and unrecognized arguments, and --version answering before anything else is checked.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { REPO, agent, agentOk } from './helpers/agent.js';
import { tempDir, write } from './helpers/tree.js';
import { parseArgv } from '../src/cli/argv.js';
import { OPTIONS } from '../src/config/options.js';
import { ExitCode } from '../src/base/errors.js';

describe('command-line parity with argparse', function () {
  let work: string;
  before(() => {
    work = tempDir();
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it("resolves a prefix Freezer's own options make unique, though an extension shares it (Freezer's gate tests: --compress gzip)", function () {
    assert.deepEqual(parseArgv(['--compress', 'xz']).values, { compression: 'xz' });
    assert.deepEqual(parseArgv(['--compress=bzip2']).values, { compression: 'bzip2' });
    // An exact name always wins over a longer one it begins.
    assert.deepEqual(parseArgv(['--compression-level', '3']).values, { compression_level: 3 });
    // A prefix of an extension alone, which no Freezer option begins, names that extension.
    assert.deepEqual(parseArgv(['--compression-l', '4']).values, { compression_level: 4 });
    assert.deepEqual(parseArgv(['--lock-w', '5']).values, { lock_wait: 5 });
    // End to end: Freezer's spelling backs up with gzip.
    const src = path.join(work, 'src');
    write(src, 'a.txt', 'hello');
    const store = path.join(work, 'store');
    agentOk(['--action', 'backup', '--storage', 'local', '--container', store, '-N', 'p', '-F', src, '--compress', 'gzip', '--quiet']);
    const info = JSON.parse(agentOk(['--action', 'info', '--storage', 'local', '--container', store, '--json']).stdout) as unknown[];
    assert.equal(info.length, 1);
  });

  it('keeps the --no forms of on/off options, and takes their prefixes as argparse does', function () {
    assert.deepEqual(parseArgv(['--nosync']).values, { sync: false });
    assert.deepEqual(parseArgv(['--nosy']).values, { sync: false });
    assert.deepEqual(parseArgv(['--nooverwrite', '--overwrite']).values, { overwrite: true });
    assert.deepEqual(parseArgv(['--nodry']).values, { dry_run: false });
  });

  it('names every candidate of an ambiguous prefix, in argparse words, with the usage exit code', function () {
    const r = agent(['--com', 'x']);
    assert.equal(r.status, ExitCode.USAGE);
    assert.match(r.stderr, /ambiguous option: --com could match --command, --compression, --compression-level\n/);
    const ext = agent(['--os-p', 'x']);
    assert.equal(ext.status, ExitCode.USAGE);
    assert.match(
      ext.stderr,
      /ambiguous option: --os-p could match --os-password, --os-project-name, --os-project-id, --os-project-domain-name/,
    );
  });

  it('reports unknown options and stray values as "unrecognized arguments", exit code 2', function () {
    for (const [args, shown] of [
      [['--blabla', ''], '--blabla '],
      [['--blabla'], '--blabla'],
      [['--blabla=3'], '--blabla=3'],
      [['stray'], 'stray'],
      [['-F', '/x', 'stray', 'more'], 'stray more'],
      [['-Z'], '-Z'],
    ] as const) {
      const r = agent([...args]);
      assert.equal(r.status, ExitCode.USAGE, args.join(' '));
      assert.ok(r.stderr.includes(`permafrost-agent: error: unrecognized arguments: ${shown}`), `${args.join(' ')}: ${r.stderr}`);
    }
    // All of them at once, after the line is parsed; a bad value of a known option comes first, as in argparse.
    assert.match(agent(['--aa', '-F', '/x', '--bb']).stderr, /unrecognized arguments: --aa --bb/);
    assert.match(agent(['--aa', '--max-level', 'x']).stderr, /invalid value for --max-level/);
    assert.match(agent(['--compresion', 'zstd']).stderr, /unrecognized arguments: --compresion zstd \(did you mean --compression\?\)/);
  });

  it('prints --version and exits 0 with a stray value after it, and before an unknown option', function () {
    const version = `${JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')).version}\n`;
    for (const args of [
      ['--version', ''],
      ['--version', 'x'],
      ['--blabla', '--version'],
      ['--version', '--max-level', 'x'],
    ]) {
      const r = agent(args);
      assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stdout, version, args.join(' '));
      assert.equal(r.stderr, '');
    }
    assert.match(agent(['--help', '']).stdout, /--path-to-backup/);
    // argparse abbreviates them too: --vers is --version; --h could be --help or --hostname.
    assert.equal(agent(['--vers', '--nosy']).stdout, version);
    assert.equal(agent(['--vers', '--blabla']).status, 0);
    assert.match(agent(['--he']).stdout, /--path-to-backup/);
    assert.match(agent(['--h', 'x']).stderr, /ambiguous option: --h could match --help, --hostname\n/);
    assert.deepEqual(parseArgv(['--ho', 'h1']).values, { hostname: 'h1' });
  });

  it("marks permafrost's extensions in the option table, and none of Freezer's", function () {
    const ext = new Set(OPTIONS.filter((o) => o.extension).map((o) => o.name));
    for (const name of ['compression-level', 'threads', 'lock-wait', 'os-auth-url', 'verbose', 'json']) assert.ok(ext.has(name), name);
    for (const name of ['compression', 'command', 'use-syslog', 'config-file', 'debug', 'os-identity-api-version'])
      assert.ok(!ext.has(name), name);
  });
});
