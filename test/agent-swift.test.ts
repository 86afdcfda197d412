// The real CLI over `--storage swift` against a real Swift (test/services/swift.sh): round trips
// with both engines, encrypted or not; Keystone v3 from OS_* variables as freezer-agent reads
// them; a three-storage job (local, ssh, swift) restored from each storage alone; a proxy
// stopped in the middle of an upload (the backup fails, named, with no metadata written) or
// restarted (the backup completes); and the upload bandwidth limit.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { agent, agentAsync, agentOk } from './helpers/agent.js';
import { remoteRoundTrips } from './helpers/agent-remote.js';
import { multiStorageRoundTrip } from './helpers/multi-storage.js';
import { SwiftInfo, startSwiftOrSkip, swiftProxy } from './helpers/swift.js';
import { RawSwift, rawSwift } from './helpers/swift-raw.js';
import { startSshdOrSkip, stopSshd } from './helpers/sshd.js';
import { prng, snapshotTree, tempDir } from './helpers/tree.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('agent over --storage swift', function () {
  this.timeout(180_000);
  let info: SwiftInfo;
  let raw: RawSwift;
  let work: string;
  const containers = new Set<string>();
  const newContainer = () => {
    const c = `pf-agent-${randomBytes(5).toString('hex')}`;
    containers.add(c);
    return c;
  };
  const swiftArgs = (container: string, authUrl = info.authUrl) => [
    '--storage',
    'swift',
    '--container',
    container,
    '--os-auth-url',
    authUrl,
    '--os-username',
    info.user,
    '--os-password',
    info.key,
  ];

  before(async function () {
    info = await startSwiftOrSkip(this, true);
    raw = await rawSwift(info);
    work = tempDir('pf-agent-swift-');
  });
  after(async () => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
    for (const c of containers) await raw?.dropContainer(c);
  });

  remoteRoundTrips({
    work: () => work,
    storageArgs: () => swiftArgs(newContainer()),
    // Freezer's objects: metadata last-level files, DLO manifests over segments/%08d.
    checkStored: async (storage, engine) => {
      const container = storage[storage.indexOf('--container') + 1];
      const names = (await raw.listing(container)).map((o) => o.name);
      const metadata = names.filter((n) => n.startsWith('metadata/'));
      assert.equal(metadata.length, 2, names.join('\n'));
      for (const m of metadata) {
        assert.match(m, new RegExp(`^metadata/${engine}/h_b/(\\d+)/[01]_\\d+/metadata$`));
        const dir = m.replace(/^metadata/, 'data').replace(/\/metadata$/, '');
        assert.ok(
          names.includes(`${dir}/data`) && names.includes(`${dir}/engine_metadata`) && names.includes(`${dir}/segments/00000000`),
          names.join('\n'),
        );
        const head = await raw.head(container, `${dir}/data`);
        assert.equal(head.headers.get('x-object-manifest'), `${container}/${dir}/segments`);
      }
    },
  });

  it('authenticates through Keystone v3 from the OS_* variables alone, as freezer-agent does', () => {
    const src = path.join(work, 'ks-src');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'f'), prng(100_000, 7));
    const container = newContainer();
    const env = info.keystone!.env;
    agentOk(['--action', 'backup', '--storage', 'swift', '--container', container, '--path-to-backup', src, '--backup-name', 'ks'], {
      env,
    });
    const dest = path.join(work, 'ks-dest');
    agentOk(['--action', 'restore', '--storage', 'swift', '--container', container, '--backup-name', 'ks', '--restore-abs-path', dest], {
      env,
    });
    assert.deepEqual(snapshotTree(dest), snapshotTree(src));
    const r = agent(['--action', 'info', '--storage', 'swift', '--container', container], { env: { ...env, OS_PASSWORD: 'wrong' } });
    assert.equal(r.status, 5, r.stderr);
    assert.match(r.stderr, /authentication at http:\/\/127\.0\.0\.1:\d+\/v3 failed: the credentials were refused/);
  });

  it('a [storage:NAME] job over local, ssh and swift lands on each; each restores it alone', async function () {
    const ssh = await startSshdOrSkip(this);
    try {
      const dir = path.join(work, 'three');
      fs.mkdirSync(dir);
      const local = path.join(dir, 'local');
      const remote = path.join(ssh.scratch, `three-${randomBytes(5).toString('hex')}`);
      const container = newContainer();
      const sshKeys = [
        `ssh_host = ${ssh.host}`,
        `ssh_port = ${ssh.port}`,
        `ssh_username = ${ssh.user}`,
        `ssh_key = ${ssh.key}`,
        `ssh_known_hosts = ${ssh.knownHosts}`,
      ];
      try {
        multiStorageRoundTrip(dir, [
          { name: 'disk', lines: ['storage = local', `container = ${local}`], alone: ['--storage', 'local', '--container', local] },
          {
            name: 'offsite',
            lines: ['storage = ssh', `container = ${remote}`, ...sshKeys],
            alone: [
              '--storage',
              'ssh',
              '--container',
              remote,
              '--ssh-host',
              ssh.host,
              '--ssh-port',
              String(ssh.port),
              '--ssh-username',
              ssh.user,
              '--ssh-key',
              ssh.key,
              '--ssh-known-hosts',
              ssh.knownHosts,
            ],
          },
          {
            name: 'cloud',
            lines: [
              'storage = swift',
              `container = ${container}`,
              `os_auth_url = ${info.authUrl}`,
              `os_username = ${info.user}`,
              `os_password = ${info.key}`,
            ],
            alone: swiftArgs(container),
          },
        ]);
      } finally {
        fs.rmSync(remote, { recursive: true, force: true });
      }
    } finally {
      await stopSshd();
    }
  });

  describe('faults', () => {
    // An extra proxy over the same Swift, so stopping it never disturbs other suites.
    const port = () => info.proxyPort + 10;
    const faultAuthUrl = () => `http://127.0.0.1:${port()}/auth/v1.0`;
    let src: string;

    before(async () => {
      await swiftProxy('start', port());
      src = path.join(work, 'fault-src');
      fs.mkdirSync(src);
      fs.writeFileSync(path.join(src, 'big.bin'), prng(24 << 20, 11));
    });
    after(async () => {
      await swiftProxy('stop', port());
    });

    // 24 MiB at 4 MiB/s: about 6 s of upload in 1 MiB segments, so the stop lands mid-upload.
    const backupArgs = (container: string, retries: number) => [
      '--action',
      'backup',
      '--path-to-backup',
      src,
      '--backup-name',
      'fault',
      '--compression',
      'none',
      '--max-segment-size',
      '1048576',
      '--upload-limit',
      '4M',
      '--storage-retries',
      String(retries),
      ...swiftArgs(container, faultAuthUrl()),
    ];

    it('the proxy stopped mid-upload: retries, then exit 5 naming the storage, and no metadata object', async () => {
      const container = newContainer();
      const run = agentAsync(backupArgs(container, 2));
      await sleep(2500);
      await swiftProxy('stop', port());
      const r = await run;
      await swiftProxy('start', port());
      assert.equal(r.status, 5, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(`swift:http://127\\.0\\.0\\.1:${port()}/v1/AUTH_test/${container}: cannot write segment \\d{8} of data/tar/`),
      );
      assert.match(r.stderr, /ECONNREFUSED|ECONNRESET|socket hang up/);
      assert.match(r.stderr, /retry/i, 'the retries are logged');
      const names = (await raw.listing(container)).map((o) => o.name);
      assert.ok(
        names.some((n) => n.includes('/segments/')),
        'the upload had started',
      );
      assert.deepEqual(
        names.filter((n) => n.startsWith('metadata/')),
        [],
        'no metadata written',
      );
      const listed = agentOk(['--action', 'info', '--json', ...swiftArgs(container)]);
      assert.deepEqual(JSON.parse(listed.stdout), []);
    });

    it('the proxy restarted mid-upload: the retries carry the backup through, and it restores', async () => {
      const container = newContainer();
      const run = agentAsync(backupArgs(container, 6));
      await sleep(2500);
      await swiftProxy('stop', port());
      await sleep(1000);
      await swiftProxy('start', port());
      const r = await run;
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /retry/i, 'the outage was retried');
      const dest = path.join(work, 'restart-dest');
      agentOk(['--action', 'restore', '--backup-name', 'fault', '--restore-abs-path', dest, ...swiftArgs(container)]);
      assert.deepEqual(snapshotTree(dest), snapshotTree(src));
    });
  });

  it('--upload-limit 5M holds the upload at 5 MiB/s', () => {
    const src = path.join(work, 'limit-src');
    fs.mkdirSync(src);
    fs.writeFileSync(path.join(src, 'r.bin'), prng(20 << 20, 5));
    const meta = path.join(work, 'limit-meta.json');
    agentOk([
      '--action',
      'backup',
      '--path-to-backup',
      src,
      '--backup-name',
      'limited',
      '--compression',
      'none',
      '--max-segment-size',
      '1048576',
      '--upload-limit',
      '5M',
      '--metadata-out',
      meta,
      ...swiftArgs(newContainer()),
    ]);
    // The backup's own clock (metadata): from the start of the data upload's source to the end.
    const pf = JSON.parse(fs.readFileSync(meta, 'utf8')).permafrost;
    const rate = pf.data.size / (1 << 20) / (pf.duration_ms / 1000);
    console.log(`      upload limit 5M: ${rate.toFixed(2)} MiB/s (${pf.data.size} bytes in ${pf.duration_ms} ms)`);
    // A ceiling: never above it (10% for the burst and the clock); far below it would mean it throttles wrongly.
    assert.ok(rate <= 5.5, `${rate.toFixed(2)} MiB/s is above the limit`);
    assert.ok(rate >= 3.5, `${rate.toFixed(2)} MiB/s is far below the limit`);
  });
});
