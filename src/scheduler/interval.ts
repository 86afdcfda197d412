// `schedule_interval` (docs/SCHEDULER.md §2): "continuous" or "N unit". freezer-api allows
// "\d+ +(weeks|days|hours|minutes|seconds)"; freezer-scheduler 13 splits on one space and
// takes only the plural names, so "4  hours" crash-loops it and "1 hour" never schedules.
// Here any spacing, singular or plural and any case are one interval.

const UNIT_SECONDS: Record<string, number> = { second: 1, minute: 60, hour: 3600, day: 86_400, week: 604_800 };
const PATTERN = /^\s*(?:(continuous)|(\d+)\s+(second|minute|hour|day|week)s?)\s*$/i;
/** Longer than any backup schedule; keeps the arithmetic in safe integers. */
const MAX_SECONDS = 100 * 365 * 86_400;

export class IntervalFormatError extends Error {}

/** An interval in seconds; "continuous" is Freezer's 1 second after each run. */
export interface Interval {
  seconds: number;
  continuous: boolean;
}

export function parseInterval(value: string): Interval {
  const m = PATTERN.exec(value);
  if (!m) throw new IntervalFormatError(`"${value}" is not an interval: "continuous" or "N seconds|minutes|hours|days|weeks"`);
  if (m[1]) return { seconds: 1, continuous: true };
  const seconds = Number(m[2]) * UNIT_SECONDS[m[3].toLowerCase()];
  if (seconds < 1) throw new IntervalFormatError(`"${value}": an interval is at least 1 second`);
  if (seconds > MAX_SECONDS) throw new IntervalFormatError(`"${value}": an interval is at most 100 years`);
  return { seconds, continuous: false };
}
