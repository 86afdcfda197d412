// Sending a log sink's datagrams: the addon's sendUnixDatagram is passed in (base/ loads no
// addon). A receiver that is behind (EAGAIN: its queue is full) gets a short wait and another
// try, up to a second, so a burst of lines is not lost; a socket nobody listens on, or one that
// stays full, costs one warning on stderr and the lines, never the run.

export type SendDatagram = (path: string, data: Buffer) => void;

const RETRY_MS = 5;
const RETRIES = 200;

/** What the addon takes (native/core/unix_dgram.h): sun_path's 107 bytes, 1 MiB a datagram. */
export const SOCKET_PATH_MAX = 107;
export const DATAGRAM_MAX = 1 << 20;

/** Why `path` cannot name a unix socket, or undefined when it can. */
export function socketPathProblem(path: string): string | undefined {
  const bytes = Buffer.byteLength(path);
  if (bytes === 0) return 'it is empty';
  if (path.includes('\0')) return 'it holds a NUL character';
  if (bytes > SOCKET_PATH_MAX) return `it is ${bytes} bytes long, and a unix socket path holds at most ${SOCKET_PATH_MAX}`;
  return undefined;
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** `what` names the sink in the warning (`syslog`); `warn` prints it, once. */
export function datagramSender(send: SendDatagram, path: string, what: string, warn: (msg: string) => void): (data: Buffer) => void {
  let warned = false;
  const lost = (why: string) => {
    if (!warned) warn(`cannot log to ${what} at ${path}: ${why} (lines for it are lost)`);
    warned = true;
  };
  return (data) => {
    if (data.length > DATAGRAM_MAX) return lost(`a record of ${data.length} bytes is over ${DATAGRAM_MAX}`);
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
        return lost(e.message);
      }
    }
  };
}
