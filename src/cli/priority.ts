// --max-priority: nice -19 and the realtime I/O class, as Freezer does with nice/ionice, but
// through the addon rather than by spawning tools. Failure (not root) is a warning.
import type { Logger } from '../base/log.js';
import { native } from '../native.js';

const IOPRIO_CLASS_RT = 1;

export function raisePriority(log: Logger): void {
  try {
    native.setPriority(-19, IOPRIO_CLASS_RT, 0);
    log.info('priority raised: nice -19, I/O class realtime level 0');
  } catch (err) {
    log.warn(`--max-priority: cannot raise priority: ${(err as Error).message}`);
  }
}
