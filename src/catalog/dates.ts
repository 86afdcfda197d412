// Freezer's date options: `YYYY-MM-DDThh:mm:ss` in local time, to epoch seconds.
import { usageError } from '../base/errors.js';

export function parseLocalDate(option: string, value: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(value.trim());
  if (!m) throw usageError(`invalid value for --${option}: "${value}" (expected YYYY-MM-DDThh:mm:ss, e.g. 2016-03-22T14:29:01)`);
  const [y, mo, d, h, mi, s] = m.slice(1).map(Number);
  const date = new Date(y, mo - 1, d, h, mi, s);
  if (date.getMonth() !== mo - 1 || date.getDate() !== d || h > 23 || mi > 59 || s > 59) {
    throw usageError(`invalid value for --${option}: "${value}" is not a real date and time`);
  }
  return Math.floor(date.getTime() / 1000);
}

export function formatLocalDate(sec: number): string {
  const d = new Date(sec * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
