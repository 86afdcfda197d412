// The real CLI over `--storage s3` against a real Swift with s3api (test/services/swift.sh):
// L0 → mutate → L1 → restore with both engines, with and without encryption, Freezer's key
// layout as ListObjects shows it, credentials from the environment, a job file's
// `[storage:NAME]` section, a backup of several parts (multipart upload), and exit codes.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { agent, agentOk } from './helpers/agent.js';
import { makeSampleTree, mutate1, prng, snapshotTree, tempDir } from './helpers/tree.js';
import { SwiftInfo, startSwiftOrSkip } from './helpers/swift.js';
import { remoteRoundTrips } from './helpers/agent-remote.js';
import { rawSwift } from './helpers/swift-raw.js';
import { closedPort } from './helpers/net.js';
import { EMPTY_SHA256, amzDate, canonicalQuery, signV4 } from '../src/storage/sigv4.js';
import { xmlAll, xmlText } from '../src/storage/s3-xml.js';

const SEGMENT = 5 * 1024 * 1024;

/** Every key and its ETag in a bucket, through a plain signed ListObjectsV2 (not the store under test). */
async function listObjects(info: SwiftInfo, bucket: string): Promise<Map<string, string>> {
  const query: Array<[string, string]> = [['list-type', '2']];
  const url = new URL(`${info.s3.endpoint}/${bucket}?${canonicalQuery(query)}`);
  const headers: Record<string, string> = { host: url.host, 'x-amz-date': amzDate(new Date()), 'x-amz-content-sha256': EMPTY_SHA256 };
  const cred = { accessKeyId: info.s3.accessKey, secretAccessKey: info.s3.secretKey, region: info.s3.region, service: 's3' };
  const { authorization } = signV4({ method: 'GET', path: url.pathname, query, headers, payloadHash: EMPTY_SHA256 }, cred);
  const { host: _, ...sent } = headers;
  const r = await fetch(url, { headers: { ...sent, authorization } });
  const xml = await r.text();
  assert.equal(r.status, 200, xml);
  assert.equal(xmlText(xml, 'IsTruncated'), 'false');
  return new Map(xmlAll(xml, 'Contents').map((c) => [xmlText(c, 'Key')!, (xmlText(c, 'ETag') ?? '').replace(/"/g, '')]));
}

/** Deletes buckets through Swift's own API (TempAuth), with their multipart segments containers. */
async function dropBuckets(info: SwiftInfo, buckets: Iterable<string>): Promise<void> {
  const swift = await rawSwift(info);
  for (const b of buckets) for (const c of [b, `${b}+segments`]) await swift.dropContainer(c);
}

/** The keys two backups (L0, L1) of `<host>_<name>` = `chainName` must have made, in Freezer's layout. */
function checkFreezerLayout(keys: string[], engine: string, chainName = 'h_b'): void {
  const member = new RegExp(`^(data|metadata)/([^/]+)/${chainName}/(\\d+)/(\\d+)_(\\d+)/(data|engine_metadata|metadata)$`);
  const parsed = keys.map((k) => {
    const m = member.exec(k);
    assert.ok(m, `unexpected key ${k}`);
    assert.equal(m[2], engine, k);
    assert.equal(m[1] === 'metadata', m[6] === 'metadata', k);
    return { chainStart: m[3], level: Number(m[4]), ts: m[5], file: `${m[1]}/${m[6]}` };
  });
  const chains = new Set(parsed.map((p) => p.chainStart));
  assert.equal(chains.size, 1, `one level-0 chain: ${keys.join(' ')}`);
  const [chainStart] = chains;
  for (const level of [0, 1]) {
    const files = parsed.filter((p) => p.level === level);
    assert.deepEqual(
      files.map((p) => p.file).sort(),
      ['data/data', 'data/engine_metadata', 'metadata/metadata'],
      `level ${level}: ${keys.join(' ')}`,
    );
    assert.equal(new Set(files.map((p) => p.ts)).size, 1, `level ${level} has one timestamp`);
    if (level === 0) assert.equal(files[0].ts, chainStart, 'the chain is named after its level 0');
  }
  assert.equal(parsed.length, 6, keys.join(' '));
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('agent over --storage s3', function () {
  this.timeout(180_000);
  let info: SwiftInfo;
  let work: string;
  const buckets: string[] = [];

  before(async function () {
    info = await startSwiftOrSkip(this);
    work = tempDir('pf-agent-s3-');
  });
  after(async () => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
    if (info) await dropBuckets(info, buckets);
  });

  const newBucket = () => {
    const b = `pf-agent-s3-${randomBytes(6).toString('hex')}`;
    buckets.push(b);
    return b;
  };
  const credentialArgs = () => ['--endpoint', info.s3.endpoint, '--access-key', info.s3.accessKey, '--secret-key', info.s3.secretKey];
  const s3Args = (container: string) => ['--storage', 's3', ...credentialArgs(), '--container', container];
  /** The environment of an agent run that must not pick up S3 settings from the caller's. */
  const noS3Env = { ENDPOINT: '', ACCESS_KEY: '', SECRET_KEY: '', AWS_REGION: '', AWS_DEFAULT_REGION: '' };

  function sourceWith(name: string, files: Record<string, Buffer | string>): string {
    const src = path.join(work, name);
    for (const [rel, data] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(src, rel)), { recursive: true });
      fs.writeFileSync(path.join(src, rel), data);
    }
    return src;
  }

  remoteRoundTrips({
    work: () => work,
    storageArgs: () => s3Args(newBucket()),
    segmentSize: SEGMENT,
    checkStored: async (storage, engine) => {
      const bucket = storage[storage.indexOf('--container') + 1];
      checkFreezerLayout([...(await listObjects(info, bucket)).keys()], engine);
    },
  });

  it('keeps keys under the prefix of --container bucket/prefix', async () => {
    const src = sourceWith('prefix-src', { 'f.txt': 'under a prefix\n' });
    const bucket = newBucket();
    const args = [...s3Args(`${bucket}/backups/host1`), '--backup-name', 'b', '--hostname', 'h'];
    agentOk(['--action', 'backup', '--path-to-backup', src, ...args]);
    const keys = [...(await listObjects(info, bucket)).keys()];
    assert.ok(keys.length === 3 && keys.every((k) => k.startsWith('backups/host1/')), keys.join(' '));
    const dest = path.join(work, 'prefix-restored');
    agentOk(['--action', 'restore', '--restore-abs-path', dest, ...args]);
    assert.equal(fs.readFileSync(path.join(dest, 'f.txt'), 'utf8'), 'under a prefix\n');
  });

  it('a backup larger than one part is a multipart upload and restores byte-identical', async () => {
    const big = prng(12 * 1024 * 1024, 42);
    const src = sourceWith('big-src', { 'big.bin': big, 'small.txt': 'small\n' });
    const bucket = newBucket();
    const args = [
      ...s3Args(bucket),
      '--backup-name',
      'b',
      '--hostname',
      'h',
      '--max-segment-size',
      String(SEGMENT),
      '--compression',
      'none',
    ];
    agentOk(['--action', 'backup', '--path-to-backup', src, ...args]);
    const objects = await listObjects(info, bucket);
    const data = [...objects].filter(([k]) => k.endsWith('/data'));
    assert.equal(data.length, 1);
    // 12 MiB of tar in 5 MiB parts: three parts, so S3's multipart ETag ends in -3.
    assert.match(data[0][1], /^[0-9a-f]{32}-3$/, `ETag of ${data[0][0]}`);
    const dest = path.join(work, 'big-restored');
    agentOk(['--action', 'restore', '--restore-abs-path', dest, ...args]);
    assert.equal(sha(fs.readFileSync(path.join(dest, 'big.bin'))), sha(big));
    assert.deepEqual(snapshotTree(dest), snapshotTree(src));
  });

  it('takes the endpoint and credentials from ENDPOINT, ACCESS_KEY and SECRET_KEY', async () => {
    const src = sourceWith('env-src', { 'e.txt': 'from the environment\n' });
    const bucket = newBucket();
    const env = { ...noS3Env, ENDPOINT: info.s3.endpoint, ACCESS_KEY: info.s3.accessKey, SECRET_KEY: info.s3.secretKey };
    const args = ['--storage', 's3', '--container', bucket, '--backup-name', 'b', '--hostname', 'h'];
    agentOk(['--action', 'backup', '--path-to-backup', src, ...args], { env });
    assert.equal((await listObjects(info, bucket)).size, 3);
    const dest = path.join(work, 'env-restored');
    agentOk(['--action', 'restore', '--restore-abs-path', dest, ...args], { env });
    assert.equal(fs.readFileSync(path.join(dest, 'e.txt'), 'utf8'), 'from the environment\n');
    // Options win over the environment.
    const wrong = { ...env, SECRET_KEY: 'not-the-secret' };
    const listed = agentOk(['--action', 'info', ...args, '--secret-key', info.s3.secretKey], { env: wrong });
    assert.match(listed.stdout, /h_b/);
  });

  it('backs up through a job file whose [storage:remote] section is s3 (with a local copy), and restores from each', async () => {
    const dir = path.join(work, 'ini');
    const src = path.join(dir, 'src');
    fs.mkdirSync(src, { recursive: true });
    makeSampleTree(src);
    const bucket = newBucket();
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
        'max_segment_size = 5242880',
        '',
        '[storage:remote]',
        'storage = s3',
        `container = ${bucket}/job`,
        `endpoint = ${info.s3.endpoint}`,
        `access_key = ${info.s3.accessKey}`,
        `secret_key = ${info.s3.secretKey}`,
        '',
        '[storage:copy]',
        'storage = local',
        `container = ${local}`,
        '',
      ].join('\n'),
    );
    agentOk(['--config', job, '--quiet'], { env: noS3Env });
    mutate1(src);
    agentOk(['--config', job, '--quiet'], { env: noS3Env });
    const keys = [...(await listObjects(info, bucket)).keys()];
    assert.ok(
      keys.every((k) => k.startsWith('job/')),
      keys.join(' '),
    );
    checkFreezerLayout(
      keys.map((k) => k.slice('job/'.length)),
      'tar',
      'h_ini',
    );
    const expected = snapshotTree(src);
    const fromRemote = path.join(dir, 'from-remote');
    agentOk([
      '--action',
      'restore',
      '--backup-name',
      'ini',
      '--hostname',
      'h',
      '--restore-abs-path',
      fromRemote,
      ...s3Args(`${bucket}/job`),
    ]);
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

  it('a missing --endpoint (and no ENDPOINT) exits 2 naming the option', () => {
    const r = agent(['--action', 'info', '--storage', 's3', '--container', 'pf-never', '--access-key', 'k', '--secret-key', 's'], {
      env: noS3Env,
    });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /--storage s3 needs --endpoint \(or the ENDPOINT environment variable\)/);
  });

  it('an invalid bucket name exits 2 naming --container (the default container is not a valid bucket)', () => {
    for (const container of [['--container', 'Not_A_Bucket'], []]) {
      const r = agent(['--action', 'info', '--storage', 's3', ...credentialArgs(), ...container], { env: noS3Env });
      assert.equal(r.status, 2, r.stderr);
      assert.match(r.stderr, /invalid value for --container: "(Not_A_Bucket|freezer_backups)": S3 bucket name/);
    }
  });

  it('a wrong secret key exits 5 at once, naming --secret-key', () => {
    const src = sourceWith('wrong-key-src', { f: 'x' });
    const args = s3Args(newBucket()).map((a) => (a === info.s3.secretKey ? 'not-the-secret' : a));
    const t0 = Date.now();
    const r = agent(['--action', 'backup', '--path-to-backup', src, '--backup-name', 'x', ...args], { env: noS3Env });
    assert.equal(r.status, 5, r.stderr);
    assert.match(r.stderr, /SignatureDoesNotMatch.*check --secret-key/);
    assert.doesNotMatch(r.stderr, /retry/, 'an authentication failure is not retried');
    assert.ok(Date.now() - t0 < 20_000);
  });

  it('an endpoint that refuses connections fails with exit 5, after the retries', async () => {
    const src = sourceWith('refused-src', { f: 'x' });
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const args = s3Args(newBucket()).map((a) => (a === info.s3.endpoint ? endpoint : a));
    const r = agent(['--action', 'backup', '--path-to-backup', src, '--backup-name', 'x', '--storage-retries', '1', ...args], {
      env: noS3Env,
    });
    assert.equal(r.status, 5, r.stderr);
    assert.match(r.stderr, /ECONNREFUSED/);
    assert.match(r.stderr, /retry 1\/1/);
  });
});
