// The progress line on a TTY: where we are of the total (bytes, files, percentage), the rate
// and the ETA, redrawn in place and cleared at the end; nothing at all in pipes and logs.
import { formatBytes, formatClock, formatCount, formatPercent, formatRate } from '../base/human.js';

export interface ProgressCounters {
  /** Done so far: the percentage, rate and ETA are about these. */
  readonly bytes: number;
  readonly files: number;
  /** The totals once known (a scan, or the metadata), else null. */
  readonly totalBytes: number | null;
  readonly totalFiles: number | null;
  /** While the totals are being counted: what was found so far. */
  readonly scanning?: { files: number; bytes: number } | null;
  /** Once every byte was read: what is left to do (shown instead of a rate that can only fall). */
  readonly finishing?: string | null;
}

const REDRAW_MS = 250;
/** The rate is measured over the last seconds, so the ETA follows the current speed. */
const RATE_WINDOW_MS = 5000;

/** Whether startProgress would draw: only for a person watching (stderr is a TTY). */
export function progressShown(quiet: boolean, stream: NodeJS.WriteStream = process.stderr): boolean {
  return !quiet && stream.isTTY === true;
}

/** Bytes per second over the recent samples. */
class RateMeter {
  private readonly samples: [number, number][] = [];

  sample(now: number, bytes: number): number {
    this.samples.push([now, bytes]);
    while (this.samples.length > 2 && now - this.samples[1][0] >= RATE_WINDOW_MS) this.samples.shift();
    const [t0, b0] = this.samples[0];
    return now > t0 ? ((bytes - b0) * 1000) / (now - t0) : 0;
  }
}

function doneOfTotal(done: number, total: number | null, format: (n: number) => string): string {
  return total === null ? format(done) : `${format(done)} / ${format(Math.max(total, done))}`;
}

/** A part of the line; the higher `drop`, the sooner it goes when the terminal is narrow. */
type Part = [text: string, drop: number];

function parts(c: ProgressCounters, elapsedMs: number, rate: number): Part[] {
  const clock: Part = [`[${formatClock(elapsedMs / 1000)}]`, 1];
  if (c.scanning) return [clock, [`scanning: ${formatCount(c.scanning.files)} files, ${formatBytes(c.scanning.bytes)} to read`, 0]];
  if (c.finishing)
    return [clock, ['100%', 0], [formatBytes(c.bytes), 0], [`${formatCount(c.files)} files`, 2], [`finishing: ${c.finishing}`, 0]];
  const total = c.totalBytes ? c.totalBytes : null;
  const out: Part[] = [clock];
  if (total !== null) out.push([formatPercent(c.bytes, total), 0]);
  else if (c.totalFiles) out.push([formatPercent(c.files, c.totalFiles), 0]);
  out.push([doneOfTotal(c.bytes, total, formatBytes), 0], [`${doneOfTotal(c.files, c.totalFiles, formatCount)} files`, 3]);
  if (rate > 0) out.push([formatRate(rate), 2]);
  if (total !== null && rate > 0 && c.bytes < total) out.push([`ETA ${formatClock((total - c.bytes) / rate)}`, 0]);
  return out;
}

/**
 * The line's text after `label` at `elapsedMs`, given the current rate. Never as wide as
 * `columns`, since a wrapped line cannot be redrawn in place: the file counts, then the rate,
 * then the clock give way first, so the percentage and the ETA stay in sight.
 */
export function progressText(c: ProgressCounters, elapsedMs: number, rate: number, label = '', columns = Infinity): string {
  let kept = parts(c, elapsedMs, rate);
  const text = () => `${label}${kept.map(([t]) => t).join('  ')}`;
  for (let drop = 3; drop > 0 && text().length >= columns; drop--) kept = kept.filter(([, d]) => d < drop);
  const line = text();
  return line.length >= columns ? line.slice(0, Math.max(0, columns - 1)) : line;
}

export function startProgress(label: string, counters: ProgressCounters, stream: NodeJS.WriteStream = process.stderr): () => void {
  if (!stream.isTTY) return () => {};
  const started = performance.now();
  const meter = new RateMeter();
  const draw = () => {
    const now = performance.now();
    const rate = counters.scanning ? 0 : meter.sample(now, counters.bytes);
    stream.write(`\r\x1b[K${progressText(counters, now - started, rate, `${label}: `, stream.columns || Infinity)}`);
  };
  const timer = setInterval(draw, REDRAW_MS);
  timer.unref();
  draw();
  return () => {
    clearInterval(timer);
    stream.write('\r\x1b[K');
  };
}

export async function* countBytes(source: AsyncIterable<Buffer>, counters: { bytes: number }): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    counters.bytes += chunk.length;
    yield chunk;
  }
}
