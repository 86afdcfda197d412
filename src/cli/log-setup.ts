// The agent's log sinks from its options: --log-file (with --watch-log-file), --use-syslog
// (--syslog-log-facility, --use-syslog-rfc-format) and --use-journal, each writing the record
// in the form --use-json or --log-format (with --log-date-format) ask for. The formats were
// checked with the options (agent-options.ts), so nothing here fails on them.
import { fileSink } from '../base/log-file.js';
import { compileDefaultLine, compileJsonFormat, compileLineFormat, DEFAULT_DATE_FORMAT, type LogRecord } from '../base/log-format.js';
import { datagramSender, socketPathProblem } from '../base/log-datagram.js';
import { usageError } from '../base/errors.js';
import { journalDatagram } from '../base/log-journal.js';
import { parseFacility, syslogDatagram } from '../base/log-syslog.js';
import { warnOnStderr, type LogSink } from '../base/log.js';
import type { AgentOptions } from '../config/agent-options.js';

/** Where the datagrams go; the environment may point elsewhere (a container's socket, a test's). */
function socketPath(variable: string, fallback: string): string {
  const path = process.env[variable] || fallback;
  const problem = socketPathProblem(path);
  if (problem) throw usageError(`${variable}=${path} cannot name a unix socket: ${problem}`);
  return path;
}

type Format = (r: LogRecord) => string;

const OSLO_DEFAULT_FORMAT = '%(asctime)s.%(msecs)03d %(process)d %(levelname)s %(name)s [-] %(message)s';

function openLogFile(path: string, watch: boolean): ReturnType<typeof fileSink> {
  try {
    return fileSink(path, watch);
  } catch (err) {
    throw usageError(`cannot open --log-file ${path}: ${(err as Error).message}`);
  }
}

export async function logSinks(o: AgentOptions): Promise<LogSink[]> {
  const dateFormat = o.log_date_format ?? DEFAULT_DATE_FORMAT;
  const chosen: Format | undefined = o.use_json
    ? compileJsonFormat(dateFormat)
    : o.log_format
      ? compileLineFormat(o.log_format, dateFormat)
      : undefined;
  const sinks: LogSink[] = [];
  if (o.log_file) {
    const file = openLogFile(o.log_file, o.watch_log_file);
    const line = chosen ?? compileDefaultLine(o.log_date_format);
    sinks.push((r) => file.write(`${line(r)}\n`));
  }
  if (!o.use_syslog && !o.use_journal) return sinks;
  // oslo.log's default line (its logging_default_format_string), as freezer-agent sends it there.
  const body = chosen ?? compileLineFormat(OSLO_DEFAULT_FORMAT, dateFormat);
  const facility = parseFacility(o.syslog_log_facility);
  const { native } = await import('../native.js');
  const send = (p: string, d: Buffer) => native.sendUnixDatagram(p, d);
  const warn = (m: string) => {
    if (!o.quiet) warnOnStderr(m);
  };
  if (o.use_syslog) {
    const to = datagramSender(send, socketPath('PERMAFROST_SYSLOG_SOCKET', '/dev/log'), 'syslog', warn);
    sinks.push((r) => to(syslogDatagram(r, body(r), facility, o.use_syslog_rfc_format)));
  }
  if (o.use_journal) {
    const to = datagramSender(send, socketPath('PERMAFROST_JOURNAL_SOCKET', '/run/systemd/journal/socket'), 'the journal', warn);
    sinks.push((r) => to(journalDatagram(r, body(r), facility)));
  }
  return sinks;
}
