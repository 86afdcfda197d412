// The dump passes make synchronous syscalls (see members.ts); a Pacer gives the event loop a
// turn at least every `maxBusyMs`, so timers, signals and the consumer's I/O callbacks are
// not starved.
import type { ArchiveBuffer } from './archive-buffer.js';

export class Pacer {
  private busySince = performance.now();

  constructor(private readonly maxBusyMs = 20) {}

  /** The caller just let the event loop run (it awaited I/O, or handed chunks on). */
  turned(): void {
    this.busySince = performance.now();
  }

  /** After a member: hands on the chunks it filled (the consumer runs then), else paces. */
  async *handOn(out: ArchiveBuffer): AsyncGenerator<Buffer> {
    if (out.hasReady()) {
      yield* out.drain();
      this.turned();
    } else {
      await this.pace();
    }
  }

  /** Yields to the event loop if the caller has kept it for too long. */
  async pace(): Promise<void> {
    if (performance.now() - this.busySince <= this.maxBusyMs) return;
    await new Promise((resolve) => setImmediate(resolve));
    this.turned();
  }
}
