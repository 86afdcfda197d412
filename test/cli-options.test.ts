// The command line and INI files: Freezer's names and aliases, typed values, precedence, and
// a distinct exit code for each class of user error.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { agent, agentOk } from './helpers/agent.js';
import { tempDir, write } from './helpers/tree.js';
import { parseArgv } from '../src/cli/argv.js';
import { buildAgentOptions } from '../src/config/agent-options.js';
import { loadConfigFile } from '../src/config/ini.js';
import { OPTIONS } from '../src/config/options.js';
import { ExitCode } from '../src/base/errors.js';

describe('command line', function () {
  let work: string;
  before(() => {
    work = tempDir();
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('parses long, short, = and prefix forms like argparse', function () {
    const { values } = parseArgv([
      '-F',
      '/src',
      '--backup-name=n',
      '--restore-abs-pat',
      '/r',
      '-M',
      '64K',
      '--nosync',
      '--exclude',
      'a',
      '--exclude',
      'b',
    ]);
    assert.deepEqual(values, {
      path_to_backup: '/src',
      backup_name: 'n',
      restore_abs_path: '/r',
      max_segment_size: 65536,
      sync: false,
      exclude: ['a', 'b'],
    });
  });

  it('recognises every freezer-agent 13 option name', function () {
    const freezer = [
      'action',
      'path-to-backup',
      'backup-name',
      'mode',
      'engine',
      'container',
      'snapshot',
      'sync',
      'lvm-srcvol',
      'lvm-snapname',
      'lvm-snap-perm',
      'lvm-snapsize',
      'lvm-dirmount',
      'lvm-volgroup',
      'max-level',
      'always-level',
      'restart-always-level',
      'remove-older-than',
      'remove-from-date',
      'no-incremental',
      'hostname',
      'mysql-conf',
      'metadata-out',
      'exclude',
      'dereference-symlink',
      'encrypt-pass-file',
      'max-segment-size',
      'rsync-block-size',
      'restore-abs-path',
      'restore-from-date',
      'max-priority',
      'quiet',
      'insecure',
      'os-identity-api-version',
      'proxy',
      'dry-run',
      'upload-limit',
      'download-limit',
      'cinder-vol-id',
      'cinder-vol-name',
      'cinderbrick-vol-id',
      'cindernative-vol-id',
      'cindernative-backup-id',
      'glance-image-id',
      'glance-image-name',
      'glance-image-name-filter',
      'nova-inst-id',
      'nova-inst-name',
      'project-id',
      'sql-server-conf',
      'command',
      'compression',
      'storage',
      'access-key',
      'secret-key',
      'endpoint',
      'ssh-key',
      'ssh-password',
      'ssh-username',
      'ssh-host',
      'ssh-port',
      'config',
      'overwrite',
      'consistency-check',
      'consistency-checksum',
      'incremental',
      'nova-restore-network',
      'timeout',
      'fullbackup-rotation',
      'ftp-password',
      'ftp-username',
      'ftp-host',
      'ftp-port',
      'ftp-keyfile',
      'ftp-certfile',
      'debug',
      'log-file',
      'log-dir',
      'restore_from_host',
      'os_auth_ver',
    ];
    const known = new Set(OPTIONS.flatMap((o) => [o.name, ...(o.aliases ?? [])]));
    assert.deepEqual(
      freezer.filter((n) => !known.has(n)),
      [],
    );
  });

  it('fails an option that is not implemented yet with its own exit code', function () {
    const r = agent(['--action', 'backup', '--storage', 'local', '--container', work, '-N', 'x', '-F', work, '--cinder-vol-id', 'v1']);
    assert.equal(r.status, ExitCode.NOT_SUPPORTED);
    assert.match(r.stderr, /not supported yet: --cinder-vol-id/);
    const s = agent(['--action', 'backup', '--storage', 'ftp', '--container', work, '-N', 'x', '-F', work]);
    assert.equal(s.status, ExitCode.NOT_SUPPORTED, 'ftp is not in this build');
    assert.match(s.stderr, /not supported yet: --storage ftp/);
  });

  it('the default storage is swift, as in Freezer, and says which settings it lacks', function () {
    const r = agent(['--action', 'backup', '-N', 'x', '-F', work], { env: { OS_AUTH_URL: '', OS_STORAGE_URL: '' } });
    assert.equal(r.status, ExitCode.USAGE, r.stderr);
    assert.match(r.stderr, /--storage swift needs --os-auth-url \(or OS_AUTH_URL/);
  });

  it('gives usage errors exit code 2 and names the option', function () {
    const bad = agent(['--max-level', 'three']);
    assert.equal(bad.status, ExitCode.USAGE);
    assert.match(bad.stderr, /--max-level.*integer.*three/);
    assert.equal(agent(['--bogus']).status, ExitCode.USAGE);
    const missing = agent(['--action', 'backup', '--storage', 'local', '-N', 'x']);
    assert.equal(missing.status, ExitCode.USAGE);
    assert.match(missing.stderr, /--path-to-backup/);
  });

  it('reports an unreadable source with the source exit code', function () {
    const r = agent([
      '--action',
      'backup',
      '--storage',
      'local',
      '--container',
      path.join(work, 's'),
      '-N',
      'x',
      '-F',
      path.join(work, 'missing'),
    ]);
    assert.equal(r.status, ExitCode.SOURCE);
    assert.match(r.stderr, /missing/);
  });

  it('reads typed values from an INI job file, and the command line wins', function () {
    const ini = path.join(work, 'job.ini');
    fs.writeFileSync(
      ini,
      '[default]\naction = backup\nbackup_name = fromfile\nmax_level = 3\nmax-segment-size = 1M\nno_incremental = False\nstorage = local\n',
    );
    const file = loadConfigFile(ini);
    assert.deepEqual(file, {
      action: 'backup',
      backup_name: 'fromfile',
      max_level: 3,
      max_segment_size: 1 << 20,
      no_incremental: false,
      storage: 'local',
    });
    const o = buildAgentOptions(file, { backup_name: 'fromcli', path_to_backup: '/x' });
    assert.equal(o.backup_name, 'fromcli');
    assert.equal(o.max_level, 3);
  });

  it('rejects bad INI files with the config exit code, naming file and key', function () {
    const ini = path.join(work, 'bad.ini');
    fs.writeFileSync(ini, '[default]\nmax_level = lots\n');
    const r = agent(['--config', ini]);
    assert.equal(r.status, ExitCode.CONFIG);
    assert.match(r.stderr, /bad\.ini.*max_level/);
    fs.writeFileSync(ini, '[default]\nmax_levle = 3\n');
    assert.match(agent(['--config', ini]).stderr, /unknown option "max_levle"/);
    assert.equal(agent(['--config', path.join(work, 'nope.ini')]).status, ExitCode.CONFIG);
  });

  it('exec runs the command through /bin/sh and returns its exit code', function () {
    const out = path.join(work, 'exec-out');
    const r = agent(['--action', 'exec', '--command', `echo "a b" | tr a-z A-Z > '${out}'; exit 7`]);
    assert.equal(r.status, 7);
    assert.equal(fs.readFileSync(out, 'utf8'), 'A B\n');
  });

  it('--dry-run backup writes nothing', function () {
    const src = path.join(work, 'dry-src');
    write(src, 'f', 'x');
    const store = path.join(work, 'dry-store');
    agentOk(['--action', 'backup', '--storage', 'local', '--container', store, '-N', 'd', '-F', src, '--dry-run', '--quiet']);
    assert.equal(fs.existsSync(store), false);
  });

  it('prints --version and --help', function () {
    assert.match(agentOk(['--version']).stdout, /^\d+\.\d+\.\d+/);
    assert.match(agentOk(['--help']).stdout, /--path-to-backup/);
  });
});
