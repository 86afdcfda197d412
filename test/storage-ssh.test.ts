// The ssh backend against a real OpenSSH server (test/services/sshd.sh): the conformance suite,
// host key checking, authentication failures, and a server that goes away and comes back.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createHmac, randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { SshStore, SshStoreOptions } from '../src/storage/ssh.js';
import { readObject } from '../src/storage/storage.js';
import { composeStorage } from '../src/storage/compose.js';
import { storageConformance } from './helpers/storage-conformance.js';
import { SshdInfo, startSshd, startSshdOrSkip, stopSshd, DEFAULT_SSHD_DIR } from './helpers/sshd.js';
import { prng, tempDir } from './helpers/tree.js';
import { fault } from './helpers/faults.js';

const FAULTS_SSHD_DIR = '/tmp/permafrost-sshd-faults';

/** Containers made by this file, removed at the end. */
const containers = new Set<string>();

function storeFor(info: SshdInfo, over: Partial<SshStoreOptions> = {}): SshStore {
  const store = new SshStore({
    host: info.host,
    port: info.port,
    username: info.user,
    privateKey: fs.readFileSync(info.key),
    keyFile: info.key,
    knownHostsFile: info.knownHosts,
    acceptNewHostKey: false,
    container: path.join(info.scratch, `c-${randomBytes(6).toString('hex')}`),
    readyTimeoutMs: 10_000,
    ...over,
  });
  const c = store['opts'].container;
  containers.add(path.isAbsolute(c) ? c : path.join(os.homedir(), c));
  return store;
}

describe('ssh storage', function () {
  this.timeout(60_000);
  let info: SshdInfo;
  let work: string;
  before(async function () {
    info = await startSshdOrSkip(this);
    work = tempDir('pf-ssh-store-');
  });
  after(async () => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
    for (const c of containers) fs.rmSync(c, { recursive: true, force: true });
    if (info) await stopSshd(DEFAULT_SSHD_DIR);
  });

  storageConformance('ssh', async () => {
    const store = storeFor(info);
    const container = store['opts'].container;
    return {
      store,
      cleanup: async () => {
        // Nothing may be left in the staging area once every operation is over (nor the area).
        const tmp = path.join(container, '.permafrost-tmp');
        const left = fs.existsSync(tmp) ? [tmp, ...fs.readdirSync(tmp)] : [];
        await store.close();
        fs.rmSync(container, { recursive: true, force: true });
        assert.deepEqual(left, [], 'staging files left behind');
      },
    };
  });

  it('names the storage ssh:user@host:port/container and writes the local tree layout remotely', async () => {
    const store = storeFor(info);
    const container = store['opts'].container;
    try {
      assert.equal(store.name, `ssh:${info.user}@${info.host}:${info.port}${container}`);
      await store.putObject('metadata/tar/h_b/100/0_100/metadata', Buffer.from('{"engine_name": "tar"}'));
      assert.equal(fs.readFileSync(path.join(container, 'metadata/tar/h_b/100/0_100/metadata'), 'utf8'), '{"engine_name": "tar"}');
      assert.deepEqual(fs.readdirSync(container).sort(), ['metadata'], 'no staging directory is left behind');
      assert.deepEqual(await store.list(''), ['metadata']);
    } finally {
      await store.close();
    }
    const rel = storeFor(info, { container: 'pf-relative-container' });
    assert.equal(rel.name, `ssh:${info.user}@${info.host}:${info.port}/~/pf-relative-container`);
    try {
      await rel.putObject('x', Buffer.from('in the login directory'));
      assert.deepEqual(await rel.list(''), ['x']);
      await rel.remove('x');
    } finally {
      await rel.close();
    }
  });

  describe('host keys', () => {
    const hostKey = () => info.hostKeyPub.split(' ').slice(0, 2).join(' ');
    const hostName = () => `[${info.host}]:${info.port}`;

    it('refuses an unknown host key and names the option that accepts it', async () => {
      const kh = path.join(work, 'kh-empty');
      fs.writeFileSync(kh, `# nothing\nother.example.org ${hostKey()}\n`);
      const store = storeFor(info, { knownHostsFile: kh });
      try {
        const f = await fault(store.putObject('x', Buffer.from('x')));
        assert.equal(f.fault, 'permanent');
        assert.match(f.message, /unknown host key/);
        assert.match(f.message, /--ssh-accept-new-host-key/);
        assert.ok(f.message.startsWith(`ssh:${info.user}@${info.host}:${info.port}/`), f.message);
      } finally {
        await store.close();
      }
    });

    it('accepts a new host key with --ssh-accept-new-host-key and records it', async () => {
      const kh = path.join(work, 'new-dir', 'known_hosts');
      const store = storeFor(info, { knownHostsFile: kh, acceptNewHostKey: true });
      const container = store['opts'].container;
      try {
        await store.putObject('x', Buffer.from('x'));
        assert.equal(fs.readFileSync(kh, 'utf8'), `${hostName()} ${hostKey()}\n`);
      } finally {
        await store.close();
      }
      // Recorded: accepted from then on without the option.
      const again = storeFor(info, { knownHostsFile: kh, container });
      try {
        assert.equal((await readObject(again, 'x')).toString(), 'x');
      } finally {
        await again.close();
      }
    });

    it('accepts hashed entries and host pattern lists', async () => {
      const salt = randomBytes(20);
      const hash = createHmac('sha1', salt).update(hostName()).digest('base64');
      const hashed = path.join(work, 'kh-hashed');
      fs.writeFileSync(hashed, `|1|${salt.toString('base64')}|${hash} ${hostKey()}\n`);
      const patterns = path.join(work, 'kh-patterns');
      fs.writeFileSync(patterns, `nope,[${info.host}]:*,!other ${hostKey()}\n`);
      for (const kh of [hashed, patterns]) {
        const store = storeFor(info, { knownHostsFile: kh });
        try {
          await store.putObject('x', Buffer.from('x'));
        } finally {
          await store.close();
        }
      }
    });

    it('always refuses a changed host key, and leaves known_hosts alone', async () => {
      const other = path.join(work, 'other-host-key');
      spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', other]);
      const kh = path.join(work, 'kh-changed');
      const line = `${hostName()} ${fs.readFileSync(`${other}.pub`, 'utf8').split(' ').slice(0, 2).join(' ')}\n`;
      fs.writeFileSync(kh, line);
      const store = storeFor(info, { knownHostsFile: kh, acceptNewHostKey: true });
      try {
        const f = await fault(store.putObject('x', Buffer.from('x')));
        assert.equal(f.fault, 'permanent');
        assert.match(f.message, /HOST KEY CHANGED/);
        assert.match(f.message, /kh-changed:1/);
        assert.equal(fs.readFileSync(kh, 'utf8'), line);
      } finally {
        await store.close();
      }
    });
  });

  it('a client key the server does not accept is a permanent fault with a clear message', async () => {
    const wrong = path.join(work, 'wrong-client-key');
    spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', wrong]);
    const store = storeFor(info, { privateKey: fs.readFileSync(wrong), keyFile: wrong });
    try {
      const f = await fault(store.list(''));
      assert.equal(f.fault, 'permanent');
      assert.match(f.message, new RegExp(`authentication failed for user ${info.user} \\(key ${wrong} refused`));
    } finally {
      await store.close();
    }
  });

  describe('a server that goes away', () => {
    let faulty: SshdInfo;
    before(async function () {
      faulty = await startSshdOrSkip(this, FAULTS_SSHD_DIR);
    });
    after(async () => {
      await stopSshd(FAULTS_SSHD_DIR);
    });

    it('is a retryable fault (connection refused); the same store works again once it is back', async () => {
      const store = storeFor(faulty);
      try {
        await store.putObject('before', Buffer.from('before'));
        await stopSshd(FAULTS_SSHD_DIR);
        // The first call may see the connection drop, the next one cannot connect at all.
        const first = await fault(store.putObject('during', Buffer.from('during')));
        assert.equal(first.fault, 'retryable', first.message);
        const refused = await fault(store.stat('before'));
        assert.equal(refused.fault, 'retryable');
        assert.match(refused.message, /connection refused/);
        await startSshd(FAULTS_SSHD_DIR);
        assert.equal((await readObject(store, 'before')).toString(), 'before');
        await store.putObject('after', Buffer.from('after'));
        assert.deepEqual(await store.list(''), ['after', 'before']);
      } finally {
        await store.close();
      }
    });

    it('a segmented upload survives a restart in the middle, through the retry decorator', async () => {
      const store = storeFor(faulty);
      const container = store['opts'].container;
      const retries: string[] = [];
      const storage = composeStorage([store], {
        partSize: 65_536,
        queue: 2,
        retry: { attempts: 20, baseDelayMs: 100, maxDelayMs: 500, onRetry: (m) => retries.push(m) },
      });
      const data = prng(65_536 * 12 + 99, 7);
      let restarted: Promise<void> = Promise.resolve();
      async function* source() {
        for (let at = 0; at < data.length; at += 65_536) {
          if (at === 65_536 * 4) {
            await stopSshd(FAULTS_SSHD_DIR);
            restarted = new Promise((r) => setTimeout(r, 800)).then(() => startSshd(FAULTS_SSHD_DIR)).then(() => {});
          }
          yield data.subarray(at, at + 65_536);
        }
      }
      try {
        await storage.put('data/obj', source, { segmented: true });
        await restarted;
        assert.ok(retries.length > 0, 'the stop was noticed');
        assert.ok(
          retries.some((m) => /connection refused|No response/.test(m)),
          retries.join('\n'),
        );
        assert.ok(fs.readFileSync(path.join(container, 'data/obj')).equals(data));
      } finally {
        await restarted;
        await storage.close();
      }
    });
  });
});
