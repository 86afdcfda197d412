// Reducing repeated samples to the numbers the report shows.
import type { Sample } from './measure.js';

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export interface Summary {
  /** Median wall time, s: the headline number, robust to one noisy repetition. */
  wallS: number;
  /** Median user+sys CPU, s. */
  cpuS: number;
  /** Largest peak RSS over all repetitions, KiB: a bound must hold on every run, not the typical one. */
  maxRssKiB: number;
}

export function summarize(samples: readonly Sample[]): Summary {
  return {
    wallS: median(samples.map((s) => s.wallS)),
    cpuS: median(samples.map((s) => s.userS + s.sysS)),
    maxRssKiB: Math.max(...samples.map((s) => s.maxRssKiB)),
  };
}
