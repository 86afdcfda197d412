// --mysql-conf: freezer-agent's credentials file for --mode mysql, an INI file whose one section
// is literally `[default]` (docs/FREEZER.md, "Modes"). Unlike Freezer, quotes around values are
// stripped, `socket` is accepted, unknown keys and bad ports are errors naming the file and key,
// and a password readable by every user is warned about.
import { readFileSync, statSync } from 'node:fs';
import { configError } from '../../base/errors.js';
import type { Logger } from '../../base/log.js';
import { didYouMean } from '../../base/suggest.js';
import { parseIni } from '../../config/ini.js';

export interface MysqlConf {
  /** The file it was read from, for messages. */
  file: string;
  host?: string;
  port: number;
  user?: string;
  password?: string;
  /** A Unix socket; when given it is used instead of host and port. */
  socket?: string;
}

const KEYS = ['host', 'port', 'user', 'password', 'socket'] as const;

function unquote(v: string): string {
  const m = /^(["'])(.*)\1$/s.exec(v);
  return m ? m[2] : v;
}

function parsePort(file: string, raw: string): number {
  const port = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(port >= 1 && port <= 65535)) throw configError(`${file}: invalid port = ${raw} in [default] (expected 1..65535)`);
  return port;
}

export function readMysqlConf(file: string, log: Logger): MysqlConf {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw configError(`cannot read --mysql-conf ${file}: ${(err as Error).message}`);
  }
  const ini = parseIni(text, file);
  const section = ini.sections.get('default');
  if (!section) {
    const found = [...ini.sections.keys()].map((s) => `[${s}]`).join(', ') || 'none';
    throw configError(`${file}: no [default] section (the --mysql-conf file's keys go under [default]; sections found: ${found})`);
  }
  for (const name of ini.sections.keys()) {
    if (name !== 'default') throw configError(`${file}: unknown section [${name}] (only [default] is read)`);
  }
  const conf: MysqlConf = { file, port: 3306 };
  for (const [key, raw] of section) {
    const value = unquote(raw);
    if (!(KEYS as readonly string[]).includes(key)) {
      throw configError(`${file}: unknown key "${key}" in [default]${didYouMean(key, KEYS)} (keys: ${KEYS.join(', ')})`);
    }
    if (key === 'port') conf.port = parsePort(file, value);
    else if (value === '') throw configError(`${file}: ${key} is empty in [default]`);
    else conf[key as Exclude<(typeof KEYS)[number], 'port'>] = value;
  }
  if (conf.password !== undefined && (statSync(file).mode & 0o004) !== 0) {
    log.warn(`${file} holds a password and every user of this machine can read it (chmod 600 ${file})`);
  }
  return conf;
}
