// The backup's point in time (snapshot/), held for `run` and released on every way out: its
// end, its failure, and an interrupt (base/interrupt.ts: before the process exits 130).
import type { AgentOptions } from '../config/agent-options.js';
import type { Logger } from '../base/log.js';
import { onInterrupt } from '../base/interrupt.js';
import { takePointInTime, type PointInTime } from '../snapshot/index.js';

export async function withPointInTime<T>(
  opts: AgentOptions,
  source: string,
  chainName: string,
  log: Logger,
  run: (pit: PointInTime) => Promise<T>,
): Promise<T> {
  let pit: PointInTime | undefined;
  // Interrupted while it is being taken: the next run of the chain removes what stays.
  const forget = onInterrupt(async () => {
    await pit?.release();
  });
  try {
    pit = await takePointInTime(opts, source, chainName, log);
    return await run(pit);
  } finally {
    forget();
    await pit?.release();
  }
}

/** The engine's options for reading `pit`: the provider's own names are left out. */
export function excludesFor(opts: AgentOptions, pit: PointInTime): AgentOptions {
  return pit.exclude?.length ? { ...opts, exclude: [...opts.exclude, ...pit.exclude] } : opts;
}
