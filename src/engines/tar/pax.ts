// POSIX pax extended header records: "<len> <key>=<value>\n", len counting the whole record.
// Values stay raw bytes because GNU.dumpdir carries NUL-separated binary data.
import { integrityError } from '../../base/errors.js';

export type PaxRecords = Map<string, Buffer>;

export function parsePax(data: Buffer, offset: number): PaxRecords {
  const records: PaxRecords = new Map();
  let at = 0;
  while (at < data.length && data[at] !== 0) {
    const space = data.indexOf(0x20, at);
    const len = space === -1 ? NaN : Number(data.toString('latin1', at, space));
    if (!Number.isInteger(len) || len <= 0 || at + len > data.length || data[at + len - 1] !== 0x0a) {
      throw integrityError(`malformed pax extended header at offset ${offset}`);
    }
    const eq = data.indexOf(0x3d, space + 1);
    if (eq === -1 || eq >= at + len) throw integrityError(`malformed pax record at offset ${offset}`);
    const key = data.toString('utf8', space + 1, eq);
    records.set(key, data.subarray(eq + 1, at + len - 1));
    at += len;
  }
  return records;
}

export function paxString(records: PaxRecords, key: string): string | undefined {
  return records.get(key)?.toString('utf8');
}

/** Decimal (possibly fractional for times) pax value; fractional part dropped for integers. */
export function paxNumber(records: PaxRecords, key: string, offset: number): number | undefined {
  const raw = paxString(records, key);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n)) throw integrityError(`invalid pax ${key} "${raw}" at offset ${offset}`);
  return Math.floor(n);
}
