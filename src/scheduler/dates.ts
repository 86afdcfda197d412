// The dates of a job document (docs/SCHEDULER.md §2): ISO 8601 with or without a zone and
// fractions of a second, as freezer-api accepts them. freezer-scheduler 13 parses only
// `YYYY-MM-DDTHH:MM:SS` and crash-loops on the rest; here a date without a zone is the
// daemon's local time (as Freezer reads it), one with `Z` or `±hh:mm` is that instant.
// Node's Date.parse would also take "May 1 2031" or a bare date as UTC: the strict pattern
// comes first, the calendar is checked field by field.

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

export class DateFormatError extends Error {}

/** Milliseconds since the epoch of `value`; throws DateFormatError saying what is wrong. */
export function parseJobDate(value: string): number {
  const m = ISO.exec(value.trim());
  if (!m) throw new DateFormatError(`"${value}" is not an ISO 8601 date and time (YYYY-MM-DDTHH:MM[:SS[.fff]][Z|±hh:mm])`);
  const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number);
  const second = m[6] ? Number(m[6]) : 0;
  const ms = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  if (month < 1 || month > 12) throw new DateFormatError(`"${value}": month ${month} does not exist`);
  if (day < 1 || day > daysIn(year, month)) throw new DateFormatError(`"${value}": ${year}-${m[2]} has no day ${day}`);
  if (hour > 23 || minute > 59 || second > 59)
    throw new DateFormatError(`"${value}": ${m[4]}:${m[5]}:${m[6] ?? '00'} is not a time of day`);
  if (!m[8]) return new Date(year, month - 1, day, hour, minute, second, ms).getTime();
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  return utc - offsetMinutes(m[8], value) * 60_000;
}

function offsetMinutes(zone: string, value: string): number {
  if (zone.toUpperCase() === 'Z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2)) : 0;
  if (hours > 23 || minutes > 59) throw new DateFormatError(`"${value}": ${zone} is not a UTC offset`);
  return (zone.startsWith('-') ? -1 : 1) * (hours * 60 + minutes);
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
