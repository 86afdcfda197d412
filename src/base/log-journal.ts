// The --use-journal sink's datagrams: journald's native protocol (systemd's
// sd_journal_send): one datagram of fields, `KEY=value\n`, or for a value holding a newline
// `KEY\n`, its length as a 64-bit little-endian number, the value and `\n`. The fields are
// oslo.log's JournaldHandler's that a record here has.
import { LEVEL_NAMES, LOGGER_NAME, type LogRecord } from './log-format.js';
import { SEVERITY } from './log-syslog.js';

function field(key: string, value: string): Buffer {
  const v = Buffer.from(value);
  if (!v.includes(0x0a)) return Buffer.concat([Buffer.from(`${key}=`), v, Buffer.from('\n')]);
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(v.length));
  return Buffer.concat([Buffer.from(`${key}\n`), size, v, Buffer.from('\n')]);
}

export function journalDatagram(r: LogRecord, body: string, facility: number): Buffer {
  return Buffer.concat([
    field('MESSAGE', body),
    field('PRIORITY', String(SEVERITY[r.level])),
    field('SYSLOG_IDENTIFIER', LOGGER_NAME),
    field('SYSLOG_FACILITY', String(facility)),
    field('SYSLOG_PID', String(process.pid)),
    field('LOGGER_NAME', LOGGER_NAME),
    field('LOGGER_LEVEL', LEVEL_NAMES[r.level]),
    field('PROCESS_NAME', 'MainProcess'),
  ]);
}
