// The swift backend against a real Swift (test/services/swift.sh): the conformance suite over
// TempAuth, Keystone v3 (password and token) through a second proxy, Freezer's segment and
// manifest layout, container prefixes, osrc files, expired tokens and unreachable servers.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { SwiftStore } from '../src/storage/swift.js';
import { swiftCredentials, swiftSettings } from '../src/config/swift-settings.js';
import type { StorageScope } from '../src/config/storage-scope.js';

/** The Swift store the agent would open from these options (config/swift-settings.ts builds its settings). */
const openSwiftStore = (s: StorageScope) => new SwiftStore(swiftSettings(s));
import { composeStorage } from '../src/storage/compose.js';
import { openStorage } from '../src/storage/open.js';
import { silentLogger } from '../src/base/log.js';
import { readObject } from '../src/storage/storage.js';
import { storageConformance } from './helpers/storage-conformance.js';
import { SwiftInfo, startSwiftOrSkip } from './helpers/swift.js';
import { RawSwift, rawSwift } from './helpers/swift-raw.js';
import { prng, tempDir } from './helpers/tree.js';
import { fault } from './helpers/faults.js';
import { forwardingProxy } from './helpers/net.js';
import { createHash } from 'node:crypto';
import { digestStream } from '../src/pipeline/digest.js';
import { PartMd5s } from '../src/storage/part-md5s.js';
import { chunked } from './tar-helpers.test.js';

describe('swift storage', function () {
  this.timeout(120_000);
  let info: SwiftInfo;
  let raw: RawSwift;
  let work: string;
  const containers = new Set<string>();
  const newContainer = () => {
    const c = `pf-test-${randomBytes(5).toString('hex')}`;
    containers.add(c);
    return c;
  };
  const tempAuthStore = (container = newContainer(), over: Record<string, unknown> = {}) =>
    openSwiftStore({ os_auth_url: info.authUrl, os_username: info.user, os_password: info.key, container, ...over });

  before(async function () {
    info = await startSwiftOrSkip(this, true);
    raw = await rawSwift(info);
    work = tempDir('pf-swift-store-');
  });
  after(async () => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
    for (const c of containers) await raw?.dropContainer(c);
  });

  storageConformance('swift', async () => {
    const container = newContainer();
    const store = tempAuthStore(container);
    return {
      store,
      cleanup: async () => {
        await store.close();
        await raw.dropContainer(container);
      },
    };
  });

  it('writes Freezer 13 layout: segments/%08d in the same container, a zero-byte DLO manifest, octet-stream', async () => {
    const container = newContainer();
    const store = tempAuthStore(container);
    const storage = composeStorage([store], { partSize: 1000, queue: 2 });
    try {
      const data = prng(3500, 3);
      const dir = 'data/tar/h_b/100/0_100';
      await storage.put(
        `${dir}/data`,
        async function* () {
          yield data;
        },
        { segmented: true },
      );
      const listing = await raw.listing(container);
      assert.deepEqual(
        listing.map((o) => [o.name, o.bytes]),
        [
          [`${dir}/data`, 0],
          [`${dir}/segments/00000000`, 1000],
          [`${dir}/segments/00000001`, 1000],
          [`${dir}/segments/00000002`, 1000],
          [`${dir}/segments/00000003`, 500],
        ],
      );
      assert.ok(
        listing.every((o) => o.content_type === 'application/octet-stream'),
        JSON.stringify(listing),
      );
      const head = await raw.head(container, `${dir}/data`);
      assert.equal(head.headers.get('x-object-manifest'), `${container}/${dir}/segments`);
      assert.equal(head.headers.get('content-length'), '3500');
      assert.deepEqual(await raw.get(container, `${dir}/data`), data);
      assert.deepEqual(await readObject(storage, `${dir}/data`), data);
      // Removing the manifest removes its segments.
      await store.remove(`${dir}/data`);
      assert.deepEqual(await raw.listing(container), []);
    } finally {
      await storage.close();
    }
  });

  it('a container value container/prefix puts every object under the prefix', async () => {
    const container = newContainer();
    const store = tempAuthStore(`${container}/site/a`);
    try {
      assert.equal(store.name, `swift:${info.authUrl}/${container}/site/a`);
      await store.putObject('metadata/x', Buffer.from('m'));
      assert.match(store.name, new RegExp(`^swift:${info.storageUrl}/${container}/site/a$`), 'named after the storage URL once known');
      assert.deepEqual(
        (await raw.listing(container)).map((o) => o.name),
        ['site/a/metadata/x'],
      );
      assert.deepEqual(await store.list(''), ['metadata']);
      assert.deepEqual(await store.list('metadata'), ['x']);
    } finally {
      await store.close();
    }
  });

  it('authenticates through Keystone v3 with a password and takes the object-store endpoint from the catalog', async () => {
    const ks = info.keystone!;
    const container = newContainer();
    const store = openSwiftStore({
      container,
      os_auth_url: ks.authUrl,
      os_username: ks.env.OS_USERNAME,
      os_password: ks.env.OS_PASSWORD,
      os_project_name: ks.env.OS_PROJECT_NAME,
    });
    try {
      await store.putObject('k', Buffer.from('through keystone'));
      assert.match(store.name, new RegExp(`^swift:http://127\\.0\\.0\\.1:${ks.proxyPort}/v1/AUTH_[0-9a-f]+/${container}$`));
      assert.equal((await readObject({ get: (p) => store.get(p) }, 'k')).toString(), 'through keystone');
    } finally {
      await store.remove('k');
      await store.close();
    }
  });

  it('authenticates with a Keystone token (--os-token), and with settings from an osrc file', async () => {
    const ks = info.keystone!;
    const res = await fetch(`${ks.authUrl}/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: ks.env.OS_USERNAME, domain: { name: 'Default' }, password: ks.env.OS_PASSWORD } },
          },
          scope: { project: { name: ks.env.OS_PROJECT_NAME, domain: { name: 'Default' } } },
        },
      }),
    });
    assert.equal(res.status, 201);
    const token = res.headers.get('x-subject-token')!;
    const byToken = openSwiftStore({
      container: newContainer(),
      os_auth_url: ks.authUrl,
      os_token: token,
      os_project_name: ks.env.OS_PROJECT_NAME,
    });
    try {
      await byToken.putObject('t', Buffer.from('token'));
      assert.deepEqual(await byToken.list(''), ['t']);
      await byToken.remove('t');
    } finally {
      await byToken.close();
    }
    const osrc = path.join(work, 'openrc');
    fs.writeFileSync(
      osrc,
      Object.entries(ks.env)
        .map(([k, v]) => `export ${k}="${v}"`)
        .join('\n') + '\n',
    );
    // The file wins over the process environment, key by key.
    const creds = swiftCredentials({ osrc, section: 'remote' }, { OS_AUTH_URL: 'http://127.0.0.1:9/v3', OS_USERNAME: 'nobody' });
    assert.equal(creds.authUrl, ks.authUrl);
    assert.equal(creds.username, ks.env.OS_USERNAME);
    const byRc = openSwiftStore({ container: newContainer(), osrc, section: 'remote' });
    try {
      await byRc.putObject('r', Buffer.from('osrc'));
      await byRc.remove('r');
    } finally {
      await byRc.close();
    }
  });

  it('refused credentials are a permanent fault naming the auth URL; Keystone too', async () => {
    const store = tempAuthStore(newContainer(), { os_password: 'wrong' });
    const f = await fault(store.putObject('x', Buffer.from('x')));
    assert.equal(f.fault, 'permanent');
    assert.match(f.message, new RegExp(`authentication at ${info.authUrl} failed: the credentials were refused \\(HTTP 401\\)`));
    const ks = info.keystone!;
    const ksStore = openSwiftStore({
      container: newContainer(),
      os_auth_url: ks.authUrl,
      os_username: ks.env.OS_USERNAME,
      os_password: 'wrong',
      os_project_name: 'test',
    });
    const g = await fault(ksStore.list(''));
    assert.equal(g.fault, 'permanent');
    assert.match(g.message, /credentials were refused \(HTTP 401\)/);
  });

  it('re-authenticates once when the token has expired', async () => {
    const store = tempAuthStore();
    try {
      await store.putObject('a', Buffer.from('1'));
      store['session'] = Promise.resolve({ token: 'AUTH_tk00000000000000000000000000000000', storageUrl: info.storageUrl });
      await store.putObject('b', Buffer.from('2'));
      assert.deepEqual(await store.list(''), ['a', 'b']);
    } finally {
      await store.close();
    }
  });

  it('a segment damaged on the way is caught by its ETag and sent again; damage every time fails the upload', async () => {
    const container = newContainer();
    let damaged = 0;
    const once = await forwardingProxy((method, url) => method === 'PUT' && url.endsWith('/segments/00000001') && damaged++ === 0);
    const always = await forwardingProxy((method, url) => method === 'PUT' && url.includes('/segments/'));
    const fastRetry = { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 };
    const data = prng(2500, 9);
    const viaOnce = composeStorage([tempAuthStore(container, { proxy: once.url })], { partSize: 1000, queue: 2, retry: fastRetry });
    const viaAlways = composeStorage([tempAuthStore(container, { proxy: always.url })], { partSize: 1000, queue: 2, retry: fastRetry });
    try {
      await viaOnce.put(
        'a/data',
        async function* () {
          yield data;
        },
        { segmented: true },
      );
      assert.equal(damaged, 2, 'segment 1 went twice: damaged, then intact');
      assert.deepEqual(await raw.get(container, 'a/data'), data);
      await assert.rejects(
        viaAlways.put(
          'b/data',
          async function* () {
            yield data;
          },
          { segmented: true },
        ),
        (err: Error) => /swift:.*segment \d{8} of b\/data.*MD5 [0-9a-f]{32} is not ours/.test(err.message),
      );
      assert.equal((await raw.listing(container)).filter((o) => o.name === 'b/data').length, 0, 'no manifest for a failed upload');
    } finally {
      await viaOnce.close();
      await viaAlways.close();
      await once.close();
      await always.close();
    }
  });

  it('checks segments against the MD5s the digest stage hands over: the right ones store, a wrong one is refused', async () => {
    const container = newContainer();
    const fastRetry = { attempts: 2, baseDelayMs: 5, maxDelayMs: 20 };
    const storage = composeStorage([tempAuthStore(container)], { partSize: 1024, queue: 2, retry: fastRetry });
    try {
      assert.equal(storage.partMd5s(1000), undefined, 'segments that are not the parts: nothing to hand over');
      const data = prng(2500, 11);
      const md5s = storage.partMd5s(1024)!;
      assert.ok(md5s instanceof PartMd5s);
      await storage.put('a/data', () => digestStream(chunked(data, 700), 1024, null, () => {}, undefined, md5s), {
        segmented: true,
        partMd5: md5s,
      });
      assert.deepEqual(await raw.get(container, 'a/data'), data);
      const liar = new PartMd5s(1024);
      for (let i = 0; i < 3; i++)
        liar.resolve(
          i,
          createHash('md5')
            .update(i === 1 ? Buffer.from('not this') : data.subarray(i * 1024, (i + 1) * 1024))
            .digest(),
        );
      await assert.rejects(
        storage.put(
          'b/data',
          async function* () {
            yield data;
          },
          { segmented: true, partMd5: liar },
        ),
        (err: Error) => /segment 00000001 of b\/data.*MD5 [0-9a-f]{32} is not ours/.test(err.message),
      );
      const other = new PartMd5s(1000);
      other.fail(new Error('never asked: its segments are not the parts'));
      await storage.put(
        'c/data',
        async function* () {
          yield data;
        },
        { segmented: true, partMd5: other },
      );
      assert.deepEqual(await raw.get(container, 'c/data'), data);
    } finally {
      await storage.close();
    }
  });

  it("a storage of a [storage:NAME] section still takes the digest pass's MD5s (its label drops no capability)", async () => {
    // The job file's label used to be a copy of the store that left out checksPartMd5: a Swift
    // storage in a section then hashed every part again and never saw the digest's MD5s.
    const container = newContainer();
    const settings = swiftSettings({
      os_auth_url: info.authUrl,
      os_username: info.user,
      os_password: info.key,
      container,
      section: 'cloud',
    });
    const storage = await openStorage(
      [{ section: 'cloud', backend: 'swift', swift: settings }],
      { partSize: 1024, queue: 2, retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 } },
      silentLogger,
    );
    try {
      assert.match(storage.name, /^\[storage:cloud\] swift:/);
      const data = prng(2500, 12);
      const md5s = storage.partMd5s(1024);
      assert.ok(md5s, 'the labelled Swift storage asks for the MD5s of its parts');
      // MD5s it is given are the ones it checks Swift's ETags against: a wrong one is refused.
      for (let i = 0; i < 3; i++)
        md5s.resolve(
          i,
          createHash('md5')
            .update(i === 2 ? Buffer.from('not this') : data.subarray(i * 1024, (i + 1) * 1024))
            .digest(),
        );
      await assert.rejects(
        storage.put(
          'x/data',
          async function* () {
            yield data;
          },
          { segmented: true, partMd5: md5s },
        ),
        (err: Error) => /\[storage:cloud\].*segment 00000002 of x\/data.*MD5 [0-9a-f]{32} is not ours/.test(err.message),
      );
    } finally {
      await storage.close();
    }
  });

  it('goes through --proxy: authentication and object requests alike', async () => {
    const proxy = await forwardingProxy();
    const container = newContainer();
    const store = tempAuthStore(container, { proxy: proxy.url });
    try {
      await store.putObject('via/proxy', Buffer.from('proxied'));
      assert.equal((await readObject({ get: (p) => store.get(p) }, 'via/proxy')).toString(), 'proxied');
      assert.ok(proxy.seen.includes(`GET ${info.authUrl}`), proxy.seen.join('\n'));
      assert.ok(proxy.seen.includes(`PUT ${info.storageUrl}/${container}/via/proxy`), proxy.seen.join('\n'));
    } finally {
      await store.close();
      await proxy.close();
    }
    assert.throws(() => tempAuthStore(container, { proxy: 'socks5://127.0.0.1:1080' }), /invalid value for --proxy/);
  });

  it('an unreachable server is a retryable fault; missing settings are usage errors naming the option', async () => {
    const store = openSwiftStore({
      container: newContainer(),
      os_auth_url: 'http://127.0.0.1:9/auth/v1.0',
      os_username: 'a:b',
      os_password: 'c',
    });
    const f = await fault(store.stat('x'));
    assert.equal(f.fault, 'retryable');
    assert.match(f.message, /cannot reach http:\/\/127\.0\.0\.1:9\/auth\/v1\.0: .*ECONNREFUSED/);
    assert.throws(() => swiftCredentials({ container: 'c' }, {}), /--storage swift needs --os-auth-url/);
    assert.throws(
      () => swiftCredentials({ container: 'c', os_auth_url: 'http://x/v3', os_username: 'u', os_password: 'p' }, {}),
      /needs --os-project-name/,
    );
    assert.throws(
      () =>
        new SwiftStore({
          credentials: swiftCredentials({ os_auth_url: info.authUrl, os_username: 'a:b', os_password: 'c' }, {}),
          container: '',
        }),
      /invalid value for --container/,
    );
  });
});
