// Sending a log sink's datagrams: the addon's sendUnixDatagram is passed in (base/ loads no
// addon). A receiver that is behind (EAGAIN: its queue is full) gets a short wait and another
// try, up to a second, so a burst of lines is not lost; a socket nobody listens on, or one that
// stays full, costs one warning on stderr and the lines, never the run.

export type SendDatagram = (path: string, data: Buffer) => void;

const RETRY_MS = 5;
const RETRIES = 200;

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** `what` names the sink in the warning (`syslog`); `warn` prints it, once. */
export function datagramSender(send: SendDatagram, path: string, what: string, warn: (msg: string) => void): (data: Buffer) => void {
  let warned = false;
  return (data) => {
    for (let attempt = 0; ; attempt++) {
      try {
        send(path, data);
        return;
      } catch (err) {
        const e = err as Error & { errno?: number; code?: string };
        if (/EAGAIN|temporarily unavailable/i.test(e.message) && attempt < RETRIES) {
          sleep(RETRY_MS);
          continue;
        }
        if (!warned) warn(`cannot log to ${what} at ${path}: ${e.message} (lines for it are lost)`);
        warned = true;
        return;
      }
    }
  };
}
