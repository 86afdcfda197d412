// The agent's logging options through the real binary, each read back from where it writes:
// syslog and journald datagrams from a socket of the test's own (a python3 stand-in receiver
// bound where PERMAFROST_SYSLOG_SOCKET / PERMAFROST_JOURNAL_SOCKET point), --use-json,
// --log-format and --log-date-format lines from --log-file; --watch-log-file on the file sink
// itself; and oslo.config's --config-file/--config-dir with their precedence.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { agent } from './helpers/agent.js';
import { tempDir } from './helpers/tree.js';
import { requireTool } from './helpers/tools.js';
import { ExitCode } from '../src/base/errors.js';
import { fileSink } from '../src/base/log-file.js';
import { compileDateFormat, compileLineFormat } from '../src/base/log-format.js';

/**
 * Stand-in for syslogd/journald: binds an AF_UNIX datagram socket, collects what arrives until
 * its stdin closes, then prints every datagram as base64, one a line.
 */
const RECEIVER = `
import base64, socket, sys, threading
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
got = []
def collect():
    while True:
        try:
            got.append(s.recv(1 << 20))
        except OSError:
            return
threading.Thread(target=collect, daemon=True).start()
print("ready", flush=True)
sys.stdin.read()
s.setblocking(False)
while True:
    try:
        got.append(s.recv(1 << 20))
    except BlockingIOError:
        break
for d in list(got):
    print(base64.b64encode(d).decode())
`;

/** Runs the agent while the stand-in receiver listens at `socket`; the datagrams it got. */
async function received(work: string, socket: string, run: () => void): Promise<Buffer[]> {
  const script = path.join(work, 'receiver.py');
  fs.writeFileSync(script, RECEIVER);
  fs.rmSync(socket, { force: true });
  const child = spawn('python3', [script, socket], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.stdout.on('data', (d: string) => {
      out += d;
      if (out.startsWith('ready\n')) resolve();
    });
  });
  run();
  const closed = new Promise((resolve) => child.once('close', resolve));
  child.stdin.end();
  await closed;
  return out
    .split('\n')
    .slice(1)
    .filter((l) => l !== '')
    .map((l) => Buffer.from(l, 'base64'));
}

/** journald's native protocol, read back: `KEY=value\n`, or `KEY\n` + 64-bit LE length + value + `\n`. */
function journalFields(d: Buffer): Map<string, string> {
  const fields = new Map<string, string>();
  let at = 0;
  while (at < d.length) {
    const nl = d.indexOf(0x0a, at);
    const line = d.subarray(at, nl).toString();
    const eq = line.indexOf('=');
    if (eq >= 0) {
      fields.set(line.slice(0, eq), line.slice(eq + 1));
      at = nl + 1;
    } else {
      const size = Number(d.readBigUInt64LE(nl + 1));
      fields.set(line, d.subarray(nl + 9, nl + 9 + size).toString());
      assert.equal(d[nl + 9 + size], 0x0a, 'a binary-safe field ends with a newline');
      at = nl + 10 + size;
    }
  }
  return fields;
}

const EXEC = ['--action', 'exec', '--command', 'true'];

describe('agent logging options', function () {
  let work: string;
  before(function () {
    requireTool('python3');
    work = tempDir();
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  it('--use-syslog sends <PRI>, a BSD time and the identifier, as glibc syslog() does for oslo.log, at the facility asked for', async function () {
    const socket = path.join(work, 'syslog.sock');
    // A [DEFAULT] key that is no option is logged as a warning: a record of another severity.
    const conf = path.join(work, 'warn.conf');
    fs.writeFileSync(conf, '[DEFAULT]\nno_such_option = 1\n');
    let status = -1;
    const got = await received(work, socket, () => {
      const r = agent([...EXEC, '--use-syslog', '--syslog-log-facility', 'local3', '--config-file', conf, '--quiet'], {
        env: { PERMAFROST_SYSLOG_SOCKET: socket },
      });
      status = r.status;
    });
    assert.equal(status, 0);
    const texts = got.map((d) => d.toString());
    // LOG_LOCAL3 is 19: info is 19 * 8 + 6, warning 19 * 8 + 4.
    // The body is oslo.log's default line, as freezer-agent 13 sends it.
    assert.match(
      texts[0],
      /^<158>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d permafrost-agent: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} \d+ INFO permafrost-agent \[-\] action exec \(permafrost \d+\.\d+\.\d+\)$/,
    );
    assert.ok(
      texts.some((t) =>
        /^<156>.* permafrost-agent: .* WARNING permafrost-agent \[-\] .*warn\.conf \[DEFAULT\]: "no_such_option" is no option/.test(t),
      ),
      texts.join('\n'),
    );
  });

  it('--use-syslog-rfc-format sends an RFC 5424 header; LOG_USER is the default facility', async function () {
    const socket = path.join(work, 'syslog5424.sock');
    const got = await received(work, socket, () => {
      assert.equal(agent([...EXEC, '--use-syslog', '--use-syslog-rfc-format'], { env: { PERMAFROST_SYSLOG_SOCKET: socket } }).status, 0);
    });
    const m = /^<14>1 (\S+) (\S+) permafrost-agent (\d+) - - \S+ \S+ \d+ INFO permafrost-agent \[-\] action exec \(permafrost /.exec(
      got[0].toString(),
    );
    assert.ok(m, got[0].toString());
    assert.ok(!Number.isNaN(Date.parse(m[1])), m[1]);
    assert.equal(m[2], os.hostname());
  });

  it('--use-journal sends native-protocol fields, a message with a newline in the binary-safe form', async function () {
    const socket = path.join(work, 'journal.sock');
    const got = await received(work, socket, () => {
      const r = agent([...EXEC, '--use-journal', '--log-format', '%(levelname)s\n%(message)s', '--syslog-log-facility', 'LOG_DAEMON'], {
        env: { PERMAFROST_JOURNAL_SOCKET: socket },
      });
      assert.equal(r.status, 0, r.stderr);
    });
    const first = got[0];
    // MESSAGE holds a newline: KEY\n, then its length.
    assert.equal(first.subarray(0, 8).toString(), 'MESSAGE\n');
    const fields = journalFields(first);
    assert.match(fields.get('MESSAGE')!, /^INFO\naction exec \(permafrost /);
    assert.equal(fields.get('PRIORITY'), '6');
    assert.equal(fields.get('SYSLOG_IDENTIFIER'), 'permafrost-agent');
    assert.equal(fields.get('SYSLOG_FACILITY'), '3');
    assert.equal(fields.get('LOGGER_LEVEL'), 'INFO');
    assert.match(fields.get('SYSLOG_PID')!, /^\d+$/);
  });

  it('a syslog socket nobody listens on costs one warning, never the run; a path no socket can have is a usage error', function () {
    const r = agent([...EXEC, '--use-syslog'], { env: { PERMAFROST_SYSLOG_SOCKET: path.join(work, 'nobody.sock') } });
    assert.equal(r.status, 0);
    const warnings = r.stderr.match(/cannot log to syslog at .*nobody\.sock: sendto: No such file or directory/g) ?? [];
    assert.equal(warnings.length, 1, r.stderr);
    const long = `/${'s'.repeat(120)}`;
    const bad = agent([...EXEC, '--use-journal'], { env: { PERMAFROST_JOURNAL_SOCKET: long } });
    assert.equal(bad.status, ExitCode.USAGE);
    assert.match(
      bad.stderr,
      /PERMAFROST_JOURNAL_SOCKET=\/s+ cannot name a unix socket: it is 121 bytes long, and a unix socket path holds at most 107/,
    );
  });

  it('--use-json writes oslo.log JSONFormatter objects, one a line', function () {
    const log = path.join(work, 'json.log');
    assert.equal(agent([...EXEC, '--use-json', '--log-file', log]).status, 0);
    const lines = fs.readFileSync(log, 'utf8').trimEnd().split('\n');
    const first = JSON.parse(lines[0]) as Record<string, unknown>;
    assert.match(first.message as string, /^action exec \(permafrost /);
    assert.equal(first.levelname, 'INFO');
    assert.equal(first.levelno, 20);
    assert.equal(first.name, 'permafrost-agent');
    assert.equal(first.hostname, os.hostname());
    assert.equal(typeof first.process, 'number');
    assert.match(first.asctime as string, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  });

  it('--log-format and --log-date-format lay out --log-file lines as Python logging does', function () {
    const log = path.join(work, 'format.log');
    const r = agent(
      [
        ...EXEC,
        '--log-file',
        log,
        '--log-format',
        '%(asctime)s.%(msecs)03d %(process)d %(levelname)-8s|%(levelno)s %(name)s %% %(message)s',
        '--log-date-format',
        '%Y/%m/%d %H-%M-%S %j %a %b %p %y %z %Z %%',
      ],
      { env: { TZ: 'UTC' } },
    );
    assert.equal(r.status, 0, r.stderr);
    const line = fs.readFileSync(log, 'utf8').split('\n')[0];
    assert.match(
      line,
      /^\d{4}\/\d\d\/\d\d \d\d-\d\d-\d\d \d{3} (Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} (AM|PM) \d\d \+0000 UTC %\.\d{3} \d+ INFO {4}\|20 permafrost-agent % action exec \(permafrost /,
    );
  });

  it('formats a known time exactly, and refuses what it does not support with the usage exit code', function () {
    const t = new Date(2024, 1, 29, 13, 5, 9, 7); // local time: a leap day, afternoon
    assert.equal(compileDateFormat('%Y-%m-%d %H:%M:%S %j %a %b %p %y %%')(t), '2024-02-29 13:05:09 060 Thu Feb PM 24 %');
    const line = compileLineFormat(
      '[%(levelname)5.3s] %(msecs)03d %(levelno)+d %(message)-6s|',
      '%H',
    )({ level: 'warn', message: 'm', time: t });
    assert.equal(line, '[  WAR] 007 +30 m     |');
    for (const [args, message] of [
      [['--log-format', '%(nope)s'], /invalid value for --log-format: %\(nope\) is not a field/],
      [['--log-format', '%(message)d'], /--log-format: %\(message\)d needs a number/],
      [['--log-format', '50% done'], /--log-format: "% done": a % starts %\(field\)s or %%/],
      [['--log-date-format', '%s'], /invalid value for --log-date-format: %s is not supported \(supported: %Y/],
      [['--syslog-log-facility', 'LOG_BOGUS'], /--syslog-log-facility: syslog facility must be one of: LOG_KERN, LOG_USER/],
      [['--watch-log-file'], /--watch-log-file needs --log-file/],
    ] as const) {
      const r = agent([...EXEC, ...args]);
      assert.equal(r.status, ExitCode.USAGE, args.join(' '));
      assert.match(r.stderr, message);
    }
  });

  it('--watch-log-file reopens a moved log file before the next line; without it, lines follow the moved file', function () {
    for (const watch of [true, false]) {
      const log = path.join(work, `watched-${watch}.log`);
      const sink = fileSink(log, watch);
      sink.write('one\n');
      fs.renameSync(log, `${log}.1`);
      sink.write('two\n');
      fs.rmSync(log, { force: true });
      sink.write('three\n');
      if (watch) {
        assert.equal(fs.readFileSync(`${log}.1`, 'utf8'), 'one\n');
        // Removed after "two": reopened (created) again for "three".
        assert.equal(fs.readFileSync(log, 'utf8'), 'three\n');
      } else {
        assert.equal(fs.readFileSync(`${log}.1`, 'utf8'), 'one\ntwo\nthree\n');
        assert.equal(fs.existsSync(log), false);
      }
    }
  });

  it('--watch-log-file through the binary: the log moved in the middle of a run gets a new file for the lines after', function () {
    for (const watch of [true, false]) {
      const log = path.join(work, `agent-watched-${watch}.log`);
      // The exec command is the logrotate: it moves the log between the run's first line and its last.
      const args = ['--action', 'exec', '--command', `mv "${log}" "${log}.1"`, '--log-file', log];
      assert.equal(agent(watch ? [...args, '--watch-log-file'] : args).status, 0);
      const moved = fs.readFileSync(`${log}.1`, 'utf8');
      assert.match(moved, /action exec/);
      if (watch) {
        assert.doesNotMatch(moved, /exited with status/);
        assert.match(fs.readFileSync(log, 'utf8'), /^\S+ \d+ INFO permafrost-agent exec: the command exited with status 0\n$/);
      } else {
        assert.match(moved, /exec: the command exited with status 0\n$/);
        assert.equal(fs.existsSync(log), false);
      }
    }
  });
});

describe('oslo.config files', function () {
  let work: string;
  before(() => {
    work = tempDir();
  });
  after(() => fs.rmSync(work, { recursive: true, force: true }));

  const conf = (name: string, text: string) => {
    const file = path.join(work, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    return file;
  };

  it('reads [DEFAULT] by dest name: later --config-file wins, then --config-dir *.conf in sorted order, the --config job file, the command line', function () {
    // The exec command's exit status tells which layer's value won.
    const a = conf('a.conf', '[DEFAULT]\naction = exec\ncommand = exit 3\n[other_service]\ncommand = exit 99\n');
    const b = conf('b.conf', '[DEFAULT]\ncommand = exit 4\n');
    assert.equal(agent(['--config-file', a]).status, 3);
    assert.equal(agent(['--config-file', a, '--config-file', b]).status, 4);
    assert.equal(agent(['--config-file', b, '--config-file', a]).status, 3);
    conf('d/20-late.conf', '[DEFAULT]\ncommand = exit 6\n');
    conf('d/10-early.conf', '[DEFAULT]\ncommand = exit 5\n');
    conf('d/30-ignored.txt', '[DEFAULT]\ncommand = exit 98\n');
    const dir = path.join(work, 'd');
    assert.equal(agent(['--config-file', a, '--config-dir', dir]).status, 6);
    const job = conf('job.ini', '[default]\ncommand = exit 7\n');
    assert.equal(agent(['--config-file', a, '--config-dir', dir, '--config', job]).status, 7);
    assert.equal(agent(['--config-file', a, '--config-dir', dir, '--config', job, '--command', 'exit 8']).status, 8);
  });

  it('takes dashed keys and typed values, and the job file a config file names', function () {
    const log = path.join(work, 'from-conf.log');
    const job = conf('named-job.ini', '[default]\ncommand = exit 9\n');
    const c = conf('dashed.conf', `[DEFAULT]\naction = exec\nlog-file = ${log}\nuse_json = true\nconfig = ${job}\n`);
    assert.equal(agent(['--config-file', c]).status, 9);
    assert.equal((JSON.parse(fs.readFileSync(log, 'utf8').split('\n')[0]) as { levelname: string }).levelname, 'INFO');
  });

  it('says what is wrong with a file, with the config exit code, and warns of keys it ignores', function () {
    const lower = conf('lower.conf', '[default]\ncommand = exit 3\n');
    let r = agent(['--action', 'exec', '--config-file', lower]);
    assert.equal(r.status, ExitCode.CONFIG);
    assert.match(r.stderr, /lower\.conf: \[default\]: oslo\.config files keep options in \[DEFAULT\]/);
    r = agent([...EXEC, '--config-file', path.join(work, 'missing.conf')]);
    assert.equal(r.status, ExitCode.CONFIG);
    assert.match(r.stderr, /cannot read --config-file .*missing\.conf: ENOENT/);
    r = agent([...EXEC, '--config-dir', path.join(work, 'no-dir')]);
    assert.equal(r.status, ExitCode.CONFIG);
    assert.match(r.stderr, /cannot read --config-dir .*no-dir/);
    const bad = conf('bad.conf', '[DEFAULT]\nmax_level = many\n');
    r = agent([...EXEC, '--config-file', bad]);
    assert.equal(r.status, ExitCode.CONFIG);
    assert.match(r.stderr, /bad\.conf \[DEFAULT\] max_level: expected an integer, got "many"/);
    const nested = conf('nested.conf', '[DEFAULT]\nconfig_dir = /etc\n');
    assert.match(agent([...EXEC, '--config-file', nested]).stderr, /--config-dir can only be given on the command line/);
    const unknown = conf('unknown.conf', '[DEFAULT]\ntransport_url = rabbit://x\n');
    r = agent([...EXEC, '--config-file', unknown]);
    assert.equal(r.status, 0);
    assert.match(r.stderr, /warn: .*unknown\.conf \[DEFAULT\]: "transport_url" is no option of permafrost-agent; ignored/);
  });
});
