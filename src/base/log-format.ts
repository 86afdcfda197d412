// How a log record becomes text, in the forms oslo.log (Python logging) writes: %-style
// `--log-format` strings, a strftime subset for `--log-date-format`, and oslo's JSONFormatter
// fields for `--use-json`. Formats are compiled once, up front, so a bad one is a usage error
// before the run starts, never a broken line in the middle of it.
import os from 'node:os';

export type Level = 'debug' | 'info' | 'warn' | 'error';

export interface LogRecord {
  level: Level;
  message: string;
  time: Date;
}

/** The logger's name in every form (Python's %(name)s, syslog's ident, journald's SYSLOG_IDENTIFIER). */
export const LOGGER_NAME = 'permafrost-agent';

/** Python's level names and numbers (logging.WARNING is "WARNING", 30). */
export const LEVEL_NAMES: Record<Level, string> = { debug: 'DEBUG', info: 'INFO', warn: 'WARNING', error: 'ERROR' };
export const LEVEL_NUMBERS: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** oslo.log's default --log-date-format. */
export const DEFAULT_DATE_FORMAT = '%Y-%m-%d %H:%M:%S';

export class LogFormatError extends Error {}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function dayOfYear(d: Date): number {
  const start = new Date(d.getFullYear(), 0, 1);
  return Math.round((Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()) - Date.UTC(start.getFullYear(), 0, 1)) / 86_400_000) + 1;
}

function offset(d: Date): string {
  const minutes = -d.getTimezoneOffset();
  const abs = Math.abs(minutes);
  return `${minutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
}

function zoneName(d: Date): string {
  const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName');
  return part?.value ?? offset(d);
}

/** The strftime directives --log-date-format takes (local time, the C locale's names). */
const STRFTIME: Record<string, (d: Date) => string> = {
  Y: (d) => String(d.getFullYear()),
  y: (d) => pad(d.getFullYear() % 100),
  m: (d) => pad(d.getMonth() + 1),
  d: (d) => pad(d.getDate()),
  H: (d) => pad(d.getHours()),
  M: (d) => pad(d.getMinutes()),
  S: (d) => pad(d.getSeconds()),
  j: (d) => pad(dayOfYear(d), 3),
  a: (d) => DAYS[d.getDay()],
  b: (d) => MONTHS[d.getMonth()],
  p: (d) => (d.getHours() < 12 ? 'AM' : 'PM'),
  z: offset,
  Z: zoneName,
  '%': () => '%',
};

export const STRFTIME_DIRECTIVES = Object.keys(STRFTIME).map((c) => `%${c}`);

/** A strftime format as a function of the time; an unsupported directive is a LogFormatError naming it. */
export function compileDateFormat(format: string): (d: Date) => string {
  const parts: (string | ((d: Date) => string))[] = [];
  for (let i = 0; i < format.length; i++) {
    if (format[i] !== '%') {
      parts.push(format[i]);
      continue;
    }
    const directive = format[++i];
    const f = directive === undefined ? undefined : STRFTIME[directive];
    if (!f) {
      const shown = directive === undefined ? 'a trailing %' : `%${directive}`;
      throw new LogFormatError(`${shown} is not supported (supported: ${STRFTIME_DIRECTIVES.join(' ')})`);
    }
    parts.push(f);
  }
  return (d) => parts.map((p) => (typeof p === 'string' ? p : p(d))).join('');
}

/** What one record offers to %(name)s fields, as Python's LogRecord names them. */
function fields(r: LogRecord, asctime: (d: Date) => string): Record<string, string | number> {
  return {
    asctime: asctime(r.time),
    created: r.time.getTime() / 1000,
    hostname: os.hostname(),
    levelname: LEVEL_NAMES[r.level],
    levelno: LEVEL_NUMBERS[r.level],
    message: r.message,
    msecs: r.time.getMilliseconds(),
    name: LOGGER_NAME,
    process: process.pid,
  };
}

const NUMERIC = new Set(['created', 'levelno', 'msecs', 'process']);
export const FORMAT_FIELDS = ['asctime', 'created', 'hostname', 'levelname', 'levelno', 'message', 'msecs', 'name', 'process'];

/** One `%(key)[flags][width][.precision]type`, as Python's printf-style formatting reads it. */
function conversion(
  key: string,
  flags: string,
  width: string,
  precision: string,
  type: string,
): (v: Record<string, string | number>) => string {
  if (!FORMAT_FIELDS.includes(key)) throw new LogFormatError(`%(${key}) is not a field (supported: ${FORMAT_FIELDS.join(', ')})`);
  if ('dif'.includes(type) && !NUMERIC.has(key))
    throw new LogFormatError(`%(${key})${type} needs a number; ${key} is text (use %(${key})s)`);
  const left = flags.includes('-');
  const zero = flags.includes('0') && !left && type !== 's';
  const plus = flags.includes('+') ? '+' : flags.includes(' ') ? ' ' : '';
  return (values) => {
    const v = values[key];
    let text: string;
    if (type === 's') {
      text = String(v);
      if (precision !== '') text = text.slice(0, Number(precision));
    } else {
      const n = Number(v);
      const body = type === 'f' ? Math.abs(n).toFixed(precision === '' ? 6 : Number(precision)) : String(Math.abs(Math.trunc(n)));
      const sign = n < 0 ? '-' : plus;
      text = zero ? sign + body.padStart(Number(width || 0) - sign.length, '0') : sign + body;
    }
    return left ? text.padEnd(Number(width || 0)) : text.padStart(Number(width || 0));
  };
}

/**
 * A Python logging %-style format (`%(asctime)s %(levelname)-8s %(message)s`, `%(msecs)03d`,
 * `%%`) as a function of a record; `dateFormat` makes %(asctime)s. Unknown fields, conversions
 * or a stray % are LogFormatErrors naming them.
 */
export function compileLineFormat(format: string, dateFormat = DEFAULT_DATE_FORMAT): (r: LogRecord) => string {
  const asctime = compileDateFormat(dateFormat);
  const parts: (string | ((v: Record<string, string | number>) => string))[] = [];
  const re = /%(?:%|\((\w+)\)([-0 +#]*)(\d*)(?:\.(\d+))?([sdif])?)/gy;
  let i = 0;
  while (i < format.length) {
    const at = format.indexOf('%', i);
    if (at < 0) {
      parts.push(format.slice(i));
      break;
    }
    parts.push(format.slice(i, at));
    re.lastIndex = at;
    const m = re.exec(format);
    if (!m) throw new LogFormatError(`"${format.slice(at, at + 12)}": a % starts %(field)s or %%`);
    if (m[0] === '%%') parts.push('%');
    else if (m[5] === undefined) throw new LogFormatError(`%(${m[1]}) needs a conversion such as s or d: %(${m[1]})s`);
    else parts.push(conversion(m[1], m[2], m[3], m[4] ?? '', m[5] === 'i' ? 'd' : m[5]));
    i = re.lastIndex;
  }
  return (r) => {
    const values = fields(r, asctime);
    return parts.map((p) => (typeof p === 'string' ? p : p(values))).join('');
  };
}

/** oslo.log's JSONFormatter, with the fields a record here has (no code location, no thread). */
export function compileJsonFormat(dateFormat = DEFAULT_DATE_FORMAT): (r: LogRecord) => string {
  const asctime = compileDateFormat(dateFormat);
  return (r) =>
    JSON.stringify({
      message: r.message,
      asctime: asctime(r.time),
      name: LOGGER_NAME,
      msg: r.message,
      args: [],
      levelname: LEVEL_NAMES[r.level],
      levelno: LEVEL_NUMBERS[r.level],
      created: r.time.getTime() / 1000,
      msecs: r.time.getMilliseconds(),
      process: process.pid,
      process_name: 'MainProcess',
      traceback: null,
      hostname: os.hostname(),
      error_summary: '',
    });
}

/** permafrost's own line, as --log-file has always had it (an ISO time unless --log-date-format says otherwise). */
export function compileDefaultLine(dateFormat?: string): (r: LogRecord) => string {
  const time = dateFormat === undefined ? (d: Date) => d.toISOString() : compileDateFormat(dateFormat);
  return (r) => `${time(r.time)} ${process.pid} ${r.level.toUpperCase()} ${LOGGER_NAME} ${r.message}`;
}
