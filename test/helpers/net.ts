// Loopback network fixtures: a port nobody listens on, and a forwarding HTTP proxy that can
// damage request bodies.
import http from 'node:http';
import net from 'node:net';
import { Transform } from 'node:stream';

/** A port on 127.0.0.1 that nothing listens on (it was free a moment ago). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Flips the first byte of a body on its way: damage that TCP would not see. */
function flipFirstByte(): Transform {
  let first = true;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (first && chunk.length) {
        first = false;
        chunk = Buffer.from(chunk);
        chunk[0] ^= 0xff;
      }
      done(null, chunk);
    },
  });
}

/**
 * A minimal forwarding http proxy (absolute-form requests only) that records what it forwarded.
 * `damage(method, url)` picks requests whose body it corrupts on the way.
 */
export async function forwardingProxy(
  damage: (method: string, url: string) => boolean = () => false,
): Promise<{ url: string; seen: string[]; close: () => Promise<void> }> {
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    const out = http.request(req.url!, { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode!, up.headers);
      up.pipe(res);
    });
    out.on('error', () => res.destroy());
    if (damage(req.method!, req.url!)) req.pipe(flipFirstByte()).pipe(out);
    else req.pipe(out);
  });
  return { ...(await listenOnLoopback(server)), seen };
}

/** Starts `server` on a free loopback port: its URL, and a close that cuts kept-alive connections too. */
export async function listenOnLoopback(server: http.Server): Promise<{ url: string; close: () => Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
