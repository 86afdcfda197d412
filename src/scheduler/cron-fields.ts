// The cron fields of a job document (`schedule_year` … `schedule_second`) with APScheduler's
// meaning, which is what freezer-scheduler gives them (docs/SCHEDULER.md §2), turned into one
// croner pattern: every field must match (day and day of week too: AND, not cron's OR); a
// field less significant than the least significant one given defaults to its minimum, a
// more significant one to '*' (so `schedule_hour: "3"` is 03:00:00 every day); day of week
// counts from Monday = 0 (cron: Sunday = 0), and its names are English abbreviations.
// `schedule_week` (ISO week number) has no croner equivalent and is refused unless '*'.
import { Cron } from 'croner';

export const CRON_FIELDS = ['year', 'month', 'day', 'week', 'day_of_week', 'hour', 'minute', 'second'] as const;
export type CronField = (typeof CRON_FIELDS)[number];
export type CronFields = Partial<Record<CronField, string>>;

const MINIMUM: Record<CronField, string> = {
  year: '*',
  month: '1',
  day: '1',
  week: '*',
  day_of_week: '*',
  hour: '0',
  minute: '0',
  second: '0',
};
const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export class CronFieldError extends Error {
  constructor(
    readonly field: CronField,
    message: string,
  ) {
    super(message);
  }
}

/** True when the document names any cron field. */
export function hasCronFields(fields: CronFields): boolean {
  return CRON_FIELDS.some((f) => fields[f] !== undefined);
}

/** The croner pattern (7 parts: second minute hour day month day-of-week year) for APScheduler's fields. */
export function cronPattern(fields: CronFields): string {
  const given = CRON_FIELDS.filter((f) => fields[f] !== undefined);
  const leastSignificant = Math.max(...given.map((f) => CRON_FIELDS.indexOf(f)));
  const value = (f: CronField): string => {
    const v = fields[f];
    if (v !== undefined) return v.trim();
    return CRON_FIELDS.indexOf(f) > leastSignificant ? MINIMUM[f] : '*';
  };
  for (const f of given) {
    if (/\s/.test(fields[f]!.trim()) || fields[f]!.trim() === '')
      throw new CronFieldError(f, `schedule_${f} "${fields[f]}" is not one cron field`);
  }
  const week = value('week');
  if (week !== '*')
    throw new CronFieldError('week', `schedule_week "${week}" is not supported (ISO week numbers): use schedule_day and schedule_month`);
  const pattern = [
    value('second'),
    value('minute'),
    value('hour'),
    value('day'),
    value('month'),
    dayOfWeek(value('day_of_week')),
    value('year'),
  ].join(' ');
  return pattern;
}

/** A croner schedule for the fields, or a CronFieldError naming the field croner refuses. */
export function cronSchedule(fields: CronFields): Cron {
  const pattern = cronPattern(fields);
  try {
    return new Cron(pattern, { paused: true, mode: '7-part', domAndDow: true });
  } catch (err) {
    throw new CronFieldError(guessField(err), `schedule fields ${describe(fields)} are not a valid schedule: ${(err as Error).message}`);
  }
}

/** APScheduler's day of week (0 = Monday, names) in croner's terms (names; 7 = Sunday). */
function dayOfWeek(expr: string): string {
  if (expr === '*') return '*';
  return expr
    .split(',')
    .map((part) => {
      const [range, step] = part.split('/');
      const mapped = range === '*' ? 'mon-sun' : range.replace(/\d+/g, (n) => DAY_NAMES[Number(n)] ?? n);
      return step === undefined ? mapped : `${mapped}/${step}`;
    })
    .join(',');
}

function describe(fields: CronFields): string {
  return CRON_FIELDS.filter((f) => fields[f] !== undefined)
    .map((f) => `schedule_${f}="${fields[f]}"`)
    .join(' ');
}

function guessField(err: unknown): CronField {
  const text = String((err as Error)?.message ?? '').toLowerCase();
  const named = CRON_FIELDS.find((f) => text.includes(f.replace('_', '-')) || text.includes(f.replace('_', ' ')) || text.includes(f));
  return named ?? (text.includes('weekday') ? 'day_of_week' : 'second');
}
