// The --use-syslog sink's datagrams. Without --use-syslog-rfc-format, what glibc's syslog(3)
// writes for oslo.log's handler (openlog(binary_name, 0, facility)): `<PRI>Mmm dd hh:mm:ss
// ident: message`. With it, an RFC 5424 header: `<PRI>1 TIMESTAMP HOST APP PROCID - - message`.
// PRI is facility * 8 + severity, the facility named as oslo names it (LOG_USER, LOG_LOCAL0…).
import os from 'node:os';
import { LOGGER_NAME, LogFormatError, type Level, type LogRecord } from './log-format.js';

/** Syslog severities of our levels (Python's SysLogHandler's map). */
export const SEVERITY: Record<Level, number> = { debug: 7, info: 6, warn: 4, error: 3 };

const FACILITIES: Record<string, number> = {
  LOG_KERN: 0,
  LOG_USER: 1,
  LOG_MAIL: 2,
  LOG_DAEMON: 3,
  LOG_AUTH: 4,
  LOG_SYSLOG: 5,
  LOG_LPR: 6,
  LOG_NEWS: 7,
  LOG_UUCP: 8,
  LOG_CRON: 9,
  LOG_AUTHPRIV: 10,
  LOG_FTP: 11,
  ...Object.fromEntries([0, 1, 2, 3, 4, 5, 6, 7].map((n) => [`LOG_LOCAL${n}`, 16 + n])),
};

/** oslo.log's _find_facility: any case, `LOG_` optional (`local0` is LOG_LOCAL0). */
export function parseFacility(name: string): number {
  let upper = name.trim().toUpperCase();
  if (!upper.startsWith('LOG_')) upper = `LOG_${upper}`;
  const code = FACILITIES[upper];
  if (code === undefined) throw new LogFormatError(`syslog facility must be one of: ${Object.keys(FACILITIES).join(', ')}`);
  return code;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** glibc's "%h %e %T": the day space-padded, local time. */
function bsdTime(d: Date): string {
  return `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2)} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

export function syslogDatagram(r: LogRecord, body: string, facility: number, rfc5424: boolean): Buffer {
  const pri = `<${facility * 8 + SEVERITY[r.level]}>`;
  if (rfc5424) return Buffer.from(`${pri}1 ${r.time.toISOString()} ${os.hostname() || '-'} ${LOGGER_NAME} ${process.pid} - - ${body}`);
  return Buffer.from(`${pri}${bsdTime(r.time)} ${LOGGER_NAME}: ${body}`);
}
