// The real CLI over `--storage ssh` against a real OpenSSH server (test/services/sshd.sh):
// L0 → mutate → L1 → restore with both engines, with and without encryption, from flat options
// and from a `[storage:remote]` section of a job file; storage failures exit 5.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { agent, agentOk } from './helpers/agent.js';
import { makeSampleTree, mutate1, snapshotTree, tempDir } from './helpers/tree.js';
import { SshdInfo, startSshdOrSkip, stopSshd } from './helpers/sshd.js';
import { remoteRoundTrips } from './helpers/agent-remote.js';

describe('agent over --storage ssh', function () {
  this.timeout(120_000);
  let info: SshdInfo;
  let work: string;
  const containers: string[] = [];

  before(async function () {
    info = await startSshdOrSkip(this);
    work = tempDir('pf-agent-ssh-');
  });
  after(async () => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
    for (const c of containers) fs.rmSync(c, { recursive: true, force: true });
    if (info) await stopSshd();
  });

  const newContainer = () => {
    const c = path.join(info.scratch, `agent-${randomBytes(6).toString('hex')}`);
    containers.push(c);
    return c;
  };
  const sshArgs = (container: string, knownHosts = info.knownHosts) => [
    '--storage',
    'ssh',
    '--container',
    container,
    '--ssh-host',
    info.host,
    '--ssh-port',
    String(info.port),
    '--ssh-username',
    info.user,
    '--ssh-key',
    info.key,
    '--ssh-known-hosts',
    knownHosts,
  ];

  remoteRoundTrips({
    work: () => work,
    storageArgs: () => sshArgs(newContainer()),
    // Freezer's layout on the remote side, and nothing else: no staging area, no lock left.
    checkStored: (storage, engine) => {
      const container = storage[storage.indexOf('--container') + 1];
      const chains = fs.readdirSync(path.join(container, 'metadata', engine, 'h_b'));
      assert.equal(chains.length, 1);
      assert.equal(fs.readdirSync(path.join(container, 'metadata', engine, 'h_b', chains[0])).length, 2);
      assert.deepEqual(fs.readdirSync(container).sort(), ['data', 'metadata']);
    },
  });

  it('backs up through a job file whose [storage:remote] section is ssh (with a local copy), and restores from each', () => {
    const dir = path.join(work, 'ini');
    const src = path.join(dir, 'src');
    fs.mkdirSync(src, { recursive: true });
    makeSampleTree(src);
    const remote = newContainer();
    const local = path.join(dir, 'local-copy');
    const job = path.join(dir, 'job.ini');
    fs.writeFileSync(
      job,
      [
        '[default]',
        'action = backup',
        `path_to_backup = ${src}`,
        'backup_name = ini',
        'hostname = h',
        'max_segment_size = 65536',
        '',
        '[storage:remote]',
        'storage = ssh',
        `container = ${remote}`,
        `ssh_host = ${info.host}`,
        `ssh_port = ${info.port}`,
        `ssh_username = ${info.user}`,
        `ssh_key = ${info.key}`,
        `ssh_known_hosts = ${info.knownHosts}`,
        '',
        '[storage:copy]',
        'storage = local',
        `container = ${local}`,
        '',
      ].join('\n'),
    );
    agentOk(['--config', job, '--quiet']);
    mutate1(src);
    agentOk(['--config', job, '--quiet']);
    const expected = snapshotTree(src);
    const fromRemote = path.join(dir, 'from-remote');
    agentOk(['--action', 'restore', '--backup-name', 'ini', '--hostname', 'h', '--restore-abs-path', fromRemote, ...sshArgs(remote)]);
    assert.deepEqual(snapshotTree(fromRemote), expected);
    const fromLocal = path.join(dir, 'from-local');
    agentOk([
      '--action',
      'restore',
      '--backup-name',
      'ini',
      '--hostname',
      'h',
      '--restore-abs-path',
      fromLocal,
      '--storage',
      'local',
      '--container',
      local,
    ]);
    assert.deepEqual(snapshotTree(fromLocal), expected);
  });

  it('an unknown host key fails with exit 5 and names --ssh-accept-new-host-key, which accepts it', () => {
    const src = path.join(work, 'hk-src');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'f'), 'x');
    const kh = path.join(work, 'hk-known-hosts');
    const args = ['--action', 'backup', '--path-to-backup', src, '--backup-name', 'hk', ...sshArgs(newContainer(), kh)];
    const refused = agent(args);
    assert.equal(refused.status, 5, refused.stderr);
    assert.match(refused.stderr, /unknown host key/);
    assert.match(refused.stderr, /--ssh-accept-new-host-key/);
    assert.equal(fs.existsSync(kh), false);
    agentOk([...args, '--ssh-accept-new-host-key']);
    assert.match(fs.readFileSync(kh, 'utf8'), new RegExp(`^\\[${info.host.replace(/\./g, '\\.')}\\]:${info.port} ssh-ed25519 `));
  });

  it('a missing setting is a usage error naming the option', () => {
    const r = agent(['--action', 'info', '--storage', 'ssh', '--container', 'c', '--ssh-username', 'u', '--ssh-key', info.key]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--storage ssh needs --ssh-host/);
  });

  it('a server that refuses connections fails the backup with exit 5, after the retries', () => {
    const src = path.join(work, 'refused-src');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'f'), 'x');
    // A port nobody listens on: the server's port + 1000 (checked by the refusal itself).
    const args = sshArgs(newContainer()).map((a) => (a === String(info.port) ? String(info.port + 1000) : a));
    const r = agent(['--action', 'backup', '--path-to-backup', src, '--backup-name', 'x', '--storage-retries', '1', ...args]);
    assert.equal(r.status, 5, r.stderr);
    assert.match(r.stderr, /connection refused/);
  });
});
