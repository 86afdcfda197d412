// Where backups go and where restores land, as an operator meets it: a container or restore
// target on /proc, /sys or a read-only mount fails at once (it used to hang in Node's
// recursive mkdir) with a message naming the path; a container that is a file is called one;
// the default container is announced every time; nothing but Freezer's layout is left in the
// container (no staging directory, no lock), and leftovers of a killed run are ignored.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { agent, agentOk } from './helpers/agent.js';
import { makeSampleTree, snapshotTree, tempDir } from './helpers/tree.js';

/** No hang: each case must end by itself well before this. */
const HANG_MS = 15_000;

describe('containers and restore targets', function () {
  this.timeout(120_000);
  let work: string;
  let src: string;
  let store: string;
  before(() => {
    work = tempDir('pf-container-');
    src = path.join(work, 'src');
    fs.mkdirSync(src);
    makeSampleTree(src);
    store = path.join(work, 'store');
    agentOk(['--action', 'backup', '-F', src, '-N', 'box', '--hostname', 'h', '--storage', 'local', '--container', store]);
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  const backupTo = (container: string) =>
    agent(['--action', 'backup', '-F', src, '-N', 'box', '--hostname', 'h', '--storage', 'local', '--container', container], {
      timeoutMs: HANG_MS,
    });
  const restoreTo = (target: string) =>
    agent(
      ['--action', 'restore', '-N', 'box', '--hostname', 'h', '--storage', 'local', '--container', store, '--restore-abs-path', target],
      { timeoutMs: HANG_MS },
    );
  const fails = (r: ReturnType<typeof agent>, code: number, message: RegExp) => {
    assert.equal(r.signal, null, `killed after ${r.ms} ms: it hung`);
    assert.equal(r.status, code, r.stderr);
    assert.match(r.stderr, message);
    console.log(`      ${r.ms} ms: ${r.stderr.trim()}`);
  };

  it('a container under /proc or /sys fails at once with exit 5, naming it', () => {
    fails(
      backupTo('/proc/forbidden'),
      5,
      /^permafrost-agent: error: --container \/proc\/forbidden cannot be created: its file system refuses new directories there \(ENOENT\)\n$/,
    );
    fails(backupTo('/proc/forbidden/deeper'), 5, /--container \/proc\/forbidden\/deeper: \/proc\/forbidden cannot be created/);
    fails(backupTo('/sys/forbidden'), 5, /--container \/sys\/forbidden cannot be created: permission denied/);
  });

  it('a restore target under /proc or /sys fails at once with exit 13, naming it', () => {
    fails(
      restoreTo('/proc/restored'),
      13,
      /--restore-abs-path \/proc\/restored: the staging directory beside it, in \/proc, cannot be created/,
    );
    fails(restoreTo('/sys/x/restored'), 13, /--restore-abs-path \/sys\/x\/restored: \/sys\/x cannot be created: permission denied/);
  });

  it('a container or restore target on a read-only mount fails at once, naming it', function () {
    if (process.getuid?.() !== 0) {
      console.log('      skipped: mounting a read-only tmpfs needs root');
      this.skip();
    }
    const ro = path.join(work, 'ro');
    fs.mkdirSync(ro);
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', ro], { encoding: 'utf8' });
    if (m.status !== 0) {
      console.log(`      skipped: cannot mount a read-only tmpfs here: ${m.stderr.trim()}`);
      this.skip();
    }
    try {
      fails(backupTo(path.join(ro, 'c')), 5, new RegExp(`--container ${ro}/c is on a read-only file system`));
      fails(
        restoreTo(path.join(ro, 'r')),
        13,
        new RegExp(`--restore-abs-path ${ro}/r: the staging directory beside it, in ${ro}, is on a read-only file system`),
      );
    } finally {
      spawnSync('umount', [ro]);
    }
  });

  it('a container that is a file is called one, for every action', () => {
    const file = path.join(work, 'a-file');
    fs.writeFileSync(file, 'x');
    fails(backupTo(file), 5, new RegExp(`^permafrost-agent: error: --container ${file} is a file, not a directory\\n$`));
    fails(
      agent(['--action', 'info', '--storage', 'local', '--container', file]),
      5,
      new RegExp(`--container ${file} is a file, not a directory`),
    );
    fails(backupTo(path.join(file, 'below')), 5, new RegExp(`--container ${file}/below: ${file} is a file, not a directory`));
    fails(restoreTo(file), 13, new RegExp(`--restore-abs-path ${file} is a file, not a directory`));
  });

  it("without --container, says where Freezer's default container is, every time", () => {
    const cwd = path.join(work, 'cwd');
    fs.mkdirSync(cwd);
    const said = new RegExp(
      `^permafrost-agent: warn: no --container given: using Freezer's default, \\./freezer_backups \\(${cwd}/freezer_backups\\)$`,
      'm',
    );
    const b = agentOk(['--action', 'backup', '-F', src, '-N', 'here', '--storage', 'local'], { cwd });
    assert.match(b.stderr, said);
    assert.ok(fs.existsSync(path.join(cwd, 'freezer_backups', 'metadata', 'tar')));
    assert.match(agentOk(['--action', 'info', '--storage', 'local'], { cwd }).stderr, said);
    assert.doesNotMatch(
      agentOk(['--action', 'info', '--storage', 'local', '--container', 'freezer_backups'], { cwd }).stderr,
      /no --container/,
    );
  });

  it("leaves only Freezer's layout in the container; a killed run's staging is swept and ignored", () => {
    const c = path.join(work, 'clean');
    agentOk(['--action', 'backup', '-F', src, '-N', 'box', '--storage', 'local', '--container', c]);
    assert.deepEqual(fs.readdirSync(c).sort(), ['data', 'metadata']);
    // What a run killed with SIGKILL leaves: a staging area named by its (now dead) pid.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    fs.mkdirSync(path.join(c, '.permafrost-tmp', `${dead}-0123456789ab`), { recursive: true });
    fs.writeFileSync(path.join(c, '.permafrost-tmp', `${dead}-0123456789ab`, 'object'), 'half');
    const rows = JSON.parse(agentOk(['--action', 'info', '--json', '--storage', 'local', '--container', c]).stdout) as unknown[];
    assert.equal(rows.length, 1);
    agentOk(['--action', 'admin', '-N', 'box', '--remove-older-than', '1', '--storage', 'local', '--container', c]);
    assert.deepEqual(fs.readdirSync(c).sort(), ['data', 'metadata'], "the dead run's staging area was swept");
    const dest = path.join(work, 'clean-restored');
    agentOk(['--action', 'restore', '-N', 'box', '--storage', 'local', '--container', c, '--restore-abs-path', dest]);
    assert.deepEqual(snapshotTree(dest), snapshotTree(src));
    assert.deepEqual(fs.readdirSync(c).sort(), ['data', 'metadata']);
  });
});
