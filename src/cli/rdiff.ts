// permafrost-rdiff: rdiff 2.3.2's command line (same arguments, options and output bytes)
// over the native rsync jobs, so scripts switch by renaming the command. Exit codes are
// permafrost's (errors.ts), not librsync's: usage 2, unreadable input 4, corrupt input 6,
// output exists without -f 11, unwritable output 5.
//
// Regular files (named, or redirected to stdin/stdout) go to the native side as fds and
// never pass through JS. A patch basis is any fd that answers pread (a device such as
// /dev/null too); a pipe, FIFO, socket or terminal basis is copied to a temporary file
// first (rsync/basis.ts). Any other pipe, socket or terminal on stdin/stdout is driven
// through the stream forms instead: libuv may have made it non-blocking, and a blocking
// write() loop on the pool would then fail with EAGAIN. For the same reason messages go to
// fd 2 with write(2) (out.ts), and process.stdout/stderr are only touched when stdout is such
// a stream.
//
// Beside this file: the command line (rdiff-argv.ts), --help (rdiff-help.ts), the files and
// streams a job reads and writes (rdiff-io.ts), the jobs (rdiff-jobs.ts) and exit codes
// (rdiff-exit.ts).
import { rmSync } from 'node:fs';
import { failIfStalled } from './stall.js';
import { runMain } from './run.js';
import type { Totals } from './rdiff-ends.js';
import { ExitCode } from '../base/errors.js';
import { type Action, parseRdiffArgv } from './rdiff-argv.js';
import { rdiffHelpText, rdiffVersionText } from './rdiff-help.js';
import { pendingOutputEnd, takePendingOutput } from './rdiff-io.js';
import { runDelta, runPatch, runSignature } from './rdiff-jobs.js';
import { describe } from './rdiff-exit.js';
import { PROG, say } from './rdiff-say.js';
import { exitOnSignals } from './signals.js';
import { writeOut } from './out.js';

/**
 * Interrupted: leave no temp file behind (the target keeps its old bytes). The fd stays open:
 * a native write may be in progress on it, and exit closes it anyway.
 */
function removeTempOutput(): void {
  const out = pendingOutputEnd();
  if (out?.kind === 'fd' && out.tempPath) rmSync(out.tempPath, { force: true });
}

function statistics(action: Action, t: Totals, seconds: number): string {
  const mb = (n: number) => (n / 1e6).toFixed(1);
  const rate = (n: number) => (seconds > 0 ? (n / 1e6 / seconds).toFixed(1) : '-');
  return `${action} statistics: speed[${mb(t.inBytes)} MB (${rate(t.inBytes)} MB/s) in, ${mb(t.outBytes)} MB (${rate(t.outBytes)} MB/s) out, ${seconds.toFixed(3)} sec]`;
}

export async function main(argv: readonly string[]): Promise<number> {
  const settled = failIfStalled(PROG);
  try {
    const a = parseRdiffArgv(argv);
    if (a.help) {
      writeOut(`${rdiffHelpText()}\n`);
      return ExitCode.OK;
    }
    if (a.version) {
      writeOut(`${rdiffVersionText()}\n`);
      return ExitCode.OK;
    }
    exitOnSignals(PROG, removeTempOutput);
    const started = process.hrtime.bigint();
    if (a.verbose) say(`${a.action} ${a.files.map((f) => (f === '-' ? '(stdio)' : f)).join(' ')}`);
    const run = { signature: runSignature, delta: runDelta, patch: runPatch }[a.action!];
    const totals = await run(a);
    takePendingOutput();
    if (a.statistics) say(statistics(a.action!, totals, Number(process.hrtime.bigint() - started) / 1e9));
    return ExitCode.OK;
  } catch (err) {
    await takePendingOutput()
      ?.abort()
      .catch(() => undefined);
    const { code, message } = describe(err);
    say(message);
    if (code === ExitCode.USAGE) say(`Try \`${PROG} --help' for more information.`);
    return code;
  } finally {
    settled();
  }
}

/** The entry of bin/ (through the bundle built by scripts/bundle.mjs). */
export const run = (): void => runMain(main);
