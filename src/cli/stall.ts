// Node exits with 0 when nothing is left to run, even while a CLI's main() still awaits
// something that can no longer settle (a bug): such a run must fail, never pass for a success.
import { ExitCode } from '../base/errors.js';
import { writeErr } from './out.js';

/** Call at the start of main(); call what it returns when main() settles. */
export function failIfStalled(program: string): () => void {
  const stalled = () => {
    writeErr(`${program}: internal error: stopped with work still pending (please report this)\n`);
    process.exitCode = ExitCode.INTERNAL;
  };
  process.once('beforeExit', stalled);
  return () => process.off('beforeExit', stalled);
}
