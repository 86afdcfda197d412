// permafrost-rdiff's messages: one line each on fd 2, prefixed with the program's name, written
// with write(2) (out.ts) so that a pipe or terminal on stderr is never turned into a stream.
import { writeErr } from './out.js';

export const PROG = 'permafrost-rdiff';

export function say(line: string): void {
  try {
    writeErr(`${PROG}: ${line}\n`);
  } catch {
    // stderr closed: nothing better to do
  }
}

export function warn(line: string): void {
  say(`warning: ${line}`);
}
