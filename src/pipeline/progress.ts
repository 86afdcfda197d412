// A progress line on a TTY (bytes, files, rate, ETA), redrawn in place; nothing in pipes.
export interface ProgressCounters {
  bytes: number;
  readonly files: number;
  /** Expected total bytes once known (the walk finished), else 0. */
  totalBytes: number;
}

function human(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

function eta(c: ProgressCounters, rate: number): string {
  if (!c.totalBytes || rate <= 0 || c.bytes >= c.totalBytes) return '';
  const s = Math.round((c.totalBytes - c.bytes) / rate);
  return ` ETA ${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

export function startProgress(label: string, counters: ProgressCounters, stream: NodeJS.WriteStream = process.stderr): () => void {
  if (!stream.isTTY) return () => {};
  const started = Date.now();
  const draw = () => {
    const secs = Math.max(0.001, (Date.now() - started) / 1000);
    const rate = counters.bytes / secs;
    const line = `${label}: ${human(counters.bytes)}, ${counters.files} files, ${human(rate)}/s${eta(counters, rate)}`;
    stream.write(`\r\x1b[K${line}`);
  };
  const timer = setInterval(draw, 250);
  timer.unref();
  return () => {
    clearInterval(timer);
    draw();
    stream.write('\n');
  };
}

export async function* countBytes(source: AsyncIterable<Buffer>, counters: ProgressCounters): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    counters.bytes += chunk.length;
    yield chunk;
  }
}
