// A backup, and a retention run, holds the lock of its chain (`<engine>/<host>_<name>`) on every
// storage for its whole run: two runs of one chain never pick the same name or the same
// parent, and retention never removes what a running backup builds on. See storage/lock.ts.
import { lockedError } from '../base/errors.js';
import { isStorageFault, type Storage } from '../storage/storage.js';
import { thisHolder } from '../storage/lock.js';
import type { AgentOptions } from '../config/agent-options.js';
import type { Logger } from '../base/log.js';
import { VERSION } from '../base/version.js';
import { onInterrupt } from '../base/interrupt.js';
import { chainNameOf } from '../catalog/layout.js';

/** `<engine>/<host>_<backup-name>`: one live run of each. */
export function chainLockName(opts: AgentOptions): string {
  return `${opts.engine_name}/${chainNameOf(opts.hostname, opts.backup_name!)}`;
}

export async function withChainLock<T>(
  storage: Storage,
  opts: AgentOptions,
  action: string,
  log: Logger,
  run: () => Promise<T>,
): Promise<T> {
  const name = chainLockName(opts);
  const lock = await storage.lock(name, thisHolder(action, `permafrost-agent ${VERSION}`), opts.lock_wait * 1000);
  log.debug(`holding the lock of ${name}`);
  const forget = onInterrupt(() => lock.release());
  try {
    return await run();
  } catch (err) {
    // Create-only publishing refused a name: a run that did not hold the lock (freezer-agent,
    // or a lock that was broken as stale) got there first. Nothing of it was replaced.
    if (isStorageFault(err) && err.fault === 'exists') {
      throw lockedError(
        `${err.message}: another run wrote this backup's name at the same time (one that does not take permafrost's lock, such as freezer-agent); nothing was replaced, and this ${action} did not complete`,
      );
    }
    throw err;
  } finally {
    forget();
    await lock.release().catch((err) => log.warn(`cannot release the lock of ${name}: ${(err as Error).message}`));
  }
}
