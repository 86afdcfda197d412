// The s3 backend against a real Swift with s3api (test/services/swift.sh): the conformance
// suite, keys under a `bucket/prefix` container (seen through Swift's own API), credentials,
// region, bad settings, an endpoint nobody listens on, and a proxy in between.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { S3Store, S3StoreOptions, S3_MIN_PART_SIZE } from '../src/storage/s3.js';
import { xmlAll } from '../src/storage/s3-xml.js';
import { s3Settings } from '../src/config/s3-settings.js';
import type { StorageScope } from '../src/config/storage-scope.js';

/** The S3 store the agent would open from these options (config/s3-settings.ts builds its settings). */
const openS3Store = (s: StorageScope, env: NodeJS.ProcessEnv) => new S3Store(s3Settings(s, env));
import { isStorageFault, readObject } from '../src/storage/storage.js';
import { composeStorage } from '../src/storage/compose.js';
import { isPermafrostError } from '../src/base/errors.js';
import { storageConformance } from './helpers/storage-conformance.js';
import { SwiftInfo, startSwiftOrSkip } from './helpers/swift.js';
import { RawSwift, rawSwift } from './helpers/swift-raw.js';
import { fault } from './helpers/faults.js';
import { closedPort, forwardingProxy } from './helpers/net.js';
import { prng, tempDir } from './helpers/tree.js';

/** Object names of a bucket, as Swift itself lists them: independent of the S3 code under test. */
const objects = async (swift: RawSwift, container: string) => (await swift.listing(container)).map((o) => o.name);

/** Deletes a bucket and its multipart segments container, contents first. */
async function dropBucket(swift: RawSwift, bucket: string): Promise<void> {
  for (const c of [bucket, `${bucket}+segments`]) await swift.dropContainer(c);
}

const newBucket = () => `pf-s3-${randomBytes(6).toString('hex')}`;

/** Asserts that `fn` throws a usage error (exit 2) whose message matches `re`. */
function throwsUsage(fn: () => unknown, re: RegExp, what?: string): void {
  assert.throws(
    fn,
    (err: unknown) => {
      assert.ok(isPermafrostError(err) && err.exitCode === 2, `expected a usage error, got ${String(err)}`);
      assert.match(err.message, re);
      return true;
    },
    what,
  );
}

describe('s3 storage', function () {
  this.timeout(60_000);
  let info: SwiftInfo;
  let swift: RawSwift;
  let work: string;
  /** Buckets made by this file, dropped at the end. */
  const buckets = new Set<string>();

  const storeFor = (container: string, over: Partial<S3StoreOptions> = {}): S3Store => {
    buckets.add(container.split('/')[0]);
    return new S3Store({
      endpoint: info.s3.endpoint,
      accessKey: info.s3.accessKey,
      secretKey: info.s3.secretKey,
      region: info.s3.region,
      container,
      timeoutMs: 20_000,
      ...over,
    });
  };
  const settings = (container: string) => ({
    container,
    endpoint: info.s3.endpoint,
    access_key: info.s3.accessKey,
    secret_key: info.s3.secretKey,
  });

  /** Multipart uploads started and neither completed nor aborted (ListMultipartUploads). */
  async function pendingUploads(store: S3Store): Promise<string[]> {
    try {
      const { xml } = await store['requests'].exchange({
        what: 'list uploads of',
        path: '',
        method: 'GET',
        key: null,
        query: [['uploads', '']],
      });
      return xmlAll(xml, 'Upload');
    } catch (err) {
      if (isStorageFault(err) && err.fault === 'not-found') return [];
      throw err;
    }
  }

  before(async function () {
    info = await startSwiftOrSkip(this);
    swift = await rawSwift(info);
    work = tempDir('pf-s3-store-');
  });
  after(async () => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
    for (const b of buckets) await dropBucket(swift, b);
  });

  storageConformance(
    's3',
    async () => {
      const store = storeFor(newBucket());
      return {
        store,
        cleanup: async () => {
          const left = await pendingUploads(store);
          await store.close();
          await dropBucket(swift, store.bucket);
          assert.deepEqual(left, [], 'multipart uploads left behind');
        },
      };
    },
    { partSize: S3_MIN_PART_SIZE },
  );

  it('puts keys under the prefix of --container bucket/prefix, parts included', async () => {
    const bucket = newBucket();
    const store = storeFor(`${bucket}/deep/prefix/`);
    const bare = storeFor(bucket);
    try {
      assert.equal(store.name, `s3:${info.s3.endpoint}/${bucket}/deep/prefix`);
      await store.putObject('metadata/tar/h_b/1/0_1/metadata', Buffer.from('{"engine_name": "tar"}'));
      const data = prng(300_000, 9);
      const u = await store.openUpload('data/tar/h_b/1/0_1/data');
      await u.putPart(0, 0, data);
      await u.complete(1, data.length);

      assert.deepEqual(await objects(swift, bucket), [
        'deep/prefix/data/tar/h_b/1/0_1/data',
        'deep/prefix/metadata/tar/h_b/1/0_1/metadata',
      ]);
      const segments = await objects(swift, `${bucket}+segments`);
      assert.ok(segments.length > 0 && segments.every((s) => s.startsWith('deep/prefix/data/tar/h_b/1/0_1/data/')), segments.join('\n'));
      assert.deepEqual(await store.list(''), ['data', 'metadata']);
      assert.deepEqual(await bare.list(''), ['deep']);
      assert.ok((await readObject(bare, 'deep/prefix/data/tar/h_b/1/0_1/data')).equals(data));
    } finally {
      await store.close();
      await bare.close();
    }
  });

  it('a wrong secret key is a permanent fault that names --secret-key, and is not retried', async () => {
    const store = storeFor(newBucket(), { secretKey: 'not-the-secret' });
    try {
      const f = await fault(store.putObject('x', Buffer.from('x')));
      assert.equal(f.fault, 'permanent');
      assert.ok(f.message.startsWith(`${store.name}: `), f.message);
      assert.match(f.message, /SignatureDoesNotMatch.*\(HTTP 403; check --secret-key\)/);
      const retries: string[] = [];
      const storage = composeStorage([store], {
        partSize: S3_MIN_PART_SIZE,
        queue: 1,
        retry: { attempts: 4, baseDelayMs: 10, maxDelayMs: 10, onRetry: (m) => retries.push(m) },
      });
      assert.equal((await fault(storage.list(''))).fault, 'permanent');
      assert.deepEqual(retries, []);
      // HEAD answers carry no S3 code: the hint still points at the credentials.
      assert.match((await fault(store.stat('x'))).message, /HTTP 403: Forbidden \(wrong --access-key or --secret-key/);
    } finally {
      await store.close();
    }
    assert.deepEqual(await objects(swift, store.bucket), [], 'nothing was written');
  });

  it('an invalid bucket name is a usage error naming --container', () => {
    for (const bad of ['My_Bucket', 'ab', 'UPPER/prefix', '-dash', '192.168.0.1', 'a..b', 'freezer_backups']) {
      throwsUsage(() => openS3Store(settings(bad), {}), /^invalid value for --container: ".*": S3 bucket name/, bad);
    }
  });

  it('missing settings are usage errors naming the option and its environment variable; the environment fills them in', async () => {
    throwsUsage(
      () => openS3Store({ container: newBucket() }, {}),
      /^--storage s3 needs --endpoint \(or the ENDPOINT environment variable\)$/,
    );
    throwsUsage(() => openS3Store({ container: 'b-x', endpoint: info.s3.endpoint }, {}), /needs --access-key \(or the ACCESS_KEY/);
    throwsUsage(
      () => openS3Store({ container: 'b-x', endpoint: info.s3.endpoint, access_key: 'k' }, {}),
      /needs --secret-key \(or the SECRET_KEY/,
    );
    throwsUsage(() => openS3Store({ section: 'remote', container: 'b-x' }, {}), /needs --endpoint .* \(in \[storage:remote\]\)$/);
    const bucket = newBucket();
    buckets.add(bucket);
    const store = openS3Store(
      { container: bucket },
      { ENDPOINT: info.s3.endpoint, ACCESS_KEY: info.s3.accessKey, SECRET_KEY: info.s3.secretKey },
    );
    try {
      await store.putObject('from-env', Buffer.from('env'));
      assert.deepEqual(await objects(swift, bucket), ['from-env']);
    } finally {
      await store.close();
    }
  });

  it('signs for the region of the section, else AWS_REGION, else AWS_DEFAULT_REGION, else us-east-1', async () => {
    const open = (over: Record<string, string>, env: Record<string, string>) => openS3Store({ ...settings(newBucket()), ...over }, env);
    const cases: Array<[Record<string, string>, Record<string, string>, string]> = [
      [{}, {}, 'us-east-1'],
      [{}, { AWS_DEFAULT_REGION: 'eu-west-3' }, 'eu-west-3'],
      [{}, { AWS_DEFAULT_REGION: 'eu-west-3', AWS_REGION: 'eu-west-1' }, 'eu-west-1'],
      [{ region: 'us-east-1' }, { AWS_REGION: 'eu-west-1' }, 'us-east-1'],
    ];
    for (const [over, env, want] of cases) {
      const store = open(over, env);
      try {
        if (want === 'us-east-1') {
          assert.deepEqual(await store.list(''), [], JSON.stringify([over, env]));
        } else {
          // This server is in us-east-1: it names the region it was signed for.
          const f = await fault(store.list(''));
          assert.equal(f.fault, 'permanent');
          assert.match(
            f.message,
            new RegExp(`AuthorizationHeaderMalformed: .*the region '${want}' is wrong; expecting 'us-east-1'.*AWS_REGION`),
          );
        }
      } finally {
        await store.close();
      }
    }
  });

  it('an unreadable --os-cacert is a usage error naming it; a readable one is used', async () => {
    const missing = path.join(work, 'no-such-ca.pem');
    throwsUsage(
      () => openS3Store({ ...settings(newBucket()), os_cacert: missing }, {}),
      /^invalid value for --os-cacert: cannot read the CA bundle .*no-such-ca\.pem: ENOENT/,
    );
    throwsUsage(() => openS3Store(settings(newBucket()), { OS_CACERT: missing }), /--os-cacert/);
    const ca = path.join(work, 'ca.pem');
    fs.writeFileSync(ca, '');
    const store = openS3Store({ ...settings(newBucket()), os_cacert: ca }, {});
    try {
      assert.deepEqual(await store.list(''), [], 'a CA bundle does not get in the way of plain http');
    } finally {
      await store.close();
    }
  });

  it('an endpoint nobody listens on is a retryable fault (connection refused)', async () => {
    const port = await closedPort();
    const store = storeFor(newBucket(), { endpoint: `http://127.0.0.1:${port}` });
    try {
      for (const op of [() => store.putObject('x', Buffer.from('x')), () => store.stat('x'), () => readObject(store, 'x')]) {
        const f = await fault(op());
        assert.equal(f.fault, 'retryable', f.message);
        assert.match(f.message, new RegExp(`^s3:http://127\\.0\\.0\\.1:${port}/.*: cannot .*ECONNREFUSED`));
      }
      const retries: string[] = [];
      const storage = composeStorage([store], {
        partSize: S3_MIN_PART_SIZE,
        queue: 1,
        retry: { attempts: 3, baseDelayMs: 10, maxDelayMs: 10, onRetry: (m) => retries.push(m) },
      });
      assert.match((await fault(storage.list(''))).message, /listing \/ failed after 3 attempts: .*ECONNREFUSED/);
      assert.equal(retries.length, 2);
    } finally {
      await store.close();
    }
  });

  it('goes through --proxy, signatures intact', async () => {
    const proxy = await forwardingProxy();
    const bucket = newBucket();
    buckets.add(bucket);
    const store = openS3Store({ ...settings(bucket), proxy: proxy.url }, {});
    try {
      await store.putObject('via/proxy', Buffer.from('proxied'));
      assert.equal((await readObject(store, 'via/proxy')).toString(), 'proxied');
      assert.ok(
        proxy.seen.some((l) => l === `PUT ${info.s3.endpoint}/${bucket}/via/proxy`),
        proxy.seen.join('\n'),
      );
      assert.deepEqual(await objects(swift, bucket), ['via/proxy']);
    } finally {
      await store.close();
      await proxy.close();
    }
    throwsUsage(() => openS3Store({ ...settings(bucket), proxy: 'socks5://127.0.0.1:1080' }, {}), /^invalid value for --proxy/);
  });
});
