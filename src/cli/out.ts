// The binaries' own output (help, tables, summaries, JSON, error lines) goes to fds 1 and 2
// with write(2), not through process.stdout/stderr: the first touch of those loads Node's
// stream, net and tty modules, a few milliseconds of a short run's start-up. Writes loop
// until every byte is out; a descriptor left non-blocking by whoever opened it (EAGAIN) is
// waited for briefly, never spun on.
import { fstatSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';

const pause = new Int32Array(new SharedArrayBuffer(4));

function writeAllSync(fd: number, text: string): void {
  const data = Buffer.from(text);
  for (let at = 0; at < data.length;) {
    try {
      at += writeSync(fd, data, at, data.length - at);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
      Atomics.wait(pause, 0, 0, 2);
    }
  }
}

export const writeOut = (text: string): void => writeAllSync(1, text);
export const writeErr = (text: string): void => writeAllSync(2, text);

const requireLater = createRequire(import.meta.url);

/**
 * Whether `fd` is a terminal, without loading node:tty (which loads net and the streams) unless
 * it is a character device at all: pipes and files, the common case off a terminal, are told
 * by fstat alone.
 */
export function isTerminal(fd: number): boolean {
  try {
    if (!fstatSync(fd).isCharacterDevice()) return false;
  } catch {
    return false;
  }
  return (requireLater('node:tty') as typeof import('node:tty')).isatty(fd);
}
