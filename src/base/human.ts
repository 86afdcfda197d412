// Numbers for people: sizes in decimal SI units (1 kB = 1000 B, as restic and `df -H` print
// them), counts, rates, durations and local times with their UTC offset. The progress line,
// the summaries and `info` all print through here, so a quantity always reads the same way.

const SIZE_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB'];

/** Three significant digits: `512 B`, `1.23 kB`, `69.2 MB`, `123 GB`. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return '-';
  const sign = n < 0 ? '-' : '';
  let v = Math.abs(n);
  if (v < 1000) return `${sign}${Math.round(v)} B`;
  let unit = 0;
  // 999.5 kB would print as "1.00e+3 kB" at three digits: it is 1.00 MB.
  while (v >= 999.5 && unit < SIZE_UNITS.length - 1) {
    v /= 1000;
    unit++;
  }
  return `${sign}${v.toPrecision(3)} ${SIZE_UNITS[unit]}`;
}

export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
}

/** Thousands separated by commas, whatever the locale (output is read by people and greps alike). */
export function formatCount(n: number): string {
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** One decimal, never above 100% nor rounded up to it before the end: `45.2%`, `100%`. */
export function formatPercent(done: number, total: number): string {
  if (total <= 0 || done >= total) return '100%';
  const tenths = Math.min(999, Math.floor((Math.max(0, done) / total) * 1000));
  return `${(tenths / 10).toFixed(1)}%`;
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/** A clock for elapsed time and ETA, fixed width while it counts: `0:03`, `12:05`, `1:02:03`. */
export function formatClock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}:${pad2(m)}:${pad2(s % 60)}` : `${m}:${pad2(s % 60)}`;
}

/** A duration in words: `0.42 s`, `4.2 s`, `42 s`, `3 min 05 s`, `2 h 03 min`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 1) return `${s.toFixed(2)} s`;
  if (s < 10) return `${s.toFixed(1)} s`;
  const whole = Math.round(s);
  if (whole < 60) return `${whole} s`;
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${pad2(whole % 60)} s`;
  return `${Math.floor(whole / 3600)} h ${pad2(Math.floor((whole % 3600) / 60))} min`;
}

/** Local time with the offset it had then (DST included): `2026-12-07 13:05:09 +01:00`. */
export function formatLocalTime(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const offset = -d.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const zone = `${sign}${pad2(Math.floor(Math.abs(offset) / 60))}:${pad2(Math.abs(offset) % 60)}`;
  const date = `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
  return `${date} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())} ${zone}`;
}
