// An interrupted run (SIGINT, SIGTERM, SIGHUP) of either binary says so on stderr, undoes what
// its binary would otherwise leave behind, and exits 130. What that is differs: the agent
// releases its chain locks (base/interrupt.ts), permafrost-rdiff removes its temporary output.
import { ExitCode } from '../base/errors.js';
import { writeErr } from './out.js';

/** Installs the handlers; on a signal, `cleanUp` runs (to its end or failure) before the process exits. */
export function exitOnSignals(program: string, cleanUp: () => void | Promise<void>): void {
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      try {
        writeErr(`${program}: interrupted by ${sig}\n`);
      } catch {
        // stderr closed: the exit code still tells
      }
      const exit = () => process.exit(ExitCode.INTERRUPTED);
      let pending: void | Promise<void> = undefined;
      try {
        pending = cleanUp();
      } catch {
        // Nothing better to do on the way out.
      }
      if (pending) void pending.catch(() => undefined).finally(exit);
      else exit();
    });
  }
}
