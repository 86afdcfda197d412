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
  let taking: Promise<PointInTime> | undefined;
  // Interrupted while it is being taken: it is released once taken, within the time an
  // interrupted run has (past that, the chain's next run removes what stays).
  const forget = onInterrupt(async () => {
    const pit = await taking?.catch(() => undefined);
    await pit?.release();
  });
  let pit: PointInTime | undefined;
  try {
    taking = takePointInTime(opts, source, chainName, log);
    pit = await taking;
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
