// Multiple storages from `[storage:NAME]` sections (acceptance 2 of the storage issue, with
// local containers here; the remote backends add their own sections in their suites): one
// backup lands on every storage, each storage alone restores it, and a storage that fails
// fails the backup, is named, and leaves no backup listed anywhere.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { agent, agentOk } from './helpers/agent.js';
import { makeSampleTree, tempDir } from './helpers/tree.js';
import { StorageSectionSpec, multiStorageRoundTrip, writeJob } from './helpers/multi-storage.js';

describe('multiple storages ([storage:NAME] sections)', function () {
  this.timeout(120_000);
  let work: string;
  beforeEach(() => {
    work = tempDir('pf-multi-');
  });
  afterEach(() => fs.rmSync(work, { recursive: true, force: true }));

  const local = (name: string): StorageSectionSpec => {
    const container = path.join(work, name);
    return { name, lines: ['storage = local', `container = ${container}`], alone: ['--storage', 'local', '--container', container] };
  };

  it('one backup lands on every storage; each restores it alone', () => {
    multiStorageRoundTrip(work, [local('first'), local('second'), local('third')]);
  });

  it('a failing storage fails the backup (exit 5), is named, and no storage lists the backup', () => {
    const src = path.join(work, 'src');
    fs.mkdirSync(src);
    makeSampleTree(src);
    fs.writeFileSync(path.join(work, 'not-a-dir'), 'x');
    const good = local('good');
    const bad: StorageSectionSpec = {
      name: 'bad',
      lines: ['storage = local', `container = ${path.join(work, 'not-a-dir', 'c')}`],
      alone: [],
    };
    const job = path.join(work, 'job.ini');
    writeJob(job, ['action = backup', `path_to_backup = ${src}`, 'backup_name = multi', 'storage_retries = 0'], [good, bad]);
    const r = agent(['--config', job]);
    assert.equal(r.status, 5, r.stderr);
    assert.match(r.stderr, /\[storage:bad\] container \S+not-a-dir\/c: \S+not-a-dir is a file, not a directory/);
    assert.doesNotMatch(r.stderr, /\[storage:good\]/, 'only the failing storage is blamed');
    const info = agentOk(['--action', 'info', '--json', ...good.alone]);
    assert.deepEqual(JSON.parse(info.stdout), [], 'nothing listed on the healthy storage');
  });

  it('a storage section without a container, or with an unknown storage, is refused before anything runs', () => {
    const job = path.join(work, 'job.ini');
    writeJob(
      job,
      ['action = backup', `path_to_backup = ${work}`, 'backup_name = m'],
      [{ name: 'x', lines: ['storage = local'], alone: [] }],
    );
    const r = agent(['--config', job]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /\[storage:x\] needs a container/);
    writeJob(
      job,
      ['action = backup', `path_to_backup = ${work}`, 'backup_name = m'],
      [{ name: 'y', lines: ['storage = ftp', 'container = c'], alone: [] }],
    );
    const r2 = agent(['--config', job]);
    assert.equal(r2.status, 8, r2.stderr);
    assert.match(r2.stderr, /storage = ftp in \[storage:y\]/);
  });
});
