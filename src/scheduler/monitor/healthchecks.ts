// healthchecks.io-style pings for a job with a healthcheck_url (docs/SCHEDULER.md): POST
// <url>/start when a run starts, <url> when it succeeds, <url>/fail when it fails or is
// aborted, the body a short text of the run's result. A monitor that is down or slow must not
// hold up or fail a backup: a ping never throws, it returns a warning for the daemon's log.

export type PingKind = 'start' | 'success' | 'fail';

/** healthchecks.io keeps the first 100 KB of a body; ours is a summary, and a short one travels faster. */
export const PING_BODY_MAX_BYTES = 10_000;

const SUFFIX: Record<PingKind, string> = { start: '/start', success: '', fail: '/fail' };

/** Pings `url` for `kind`; null when it answered 2xx, else a warning naming the URL and what went wrong. */
export async function pingHealthcheck(url: string, kind: PingKind, body: string, timeoutMs = 10_000): Promise<string | null> {
  let target: URL;
  try {
    target = pingUrl(url, kind);
  } catch {
    return `healthcheck ${kind} ping: "${url}" is not a URL`;
  }
  const shown = `${kind} ping to ${withoutCredentials(target)}`;
  try {
    // One signal over the request and the reading of the answer: a server that sends headers
    // and then stalls times out too.
    const res = await fetch(target, {
      method: 'POST',
      body: truncateUtf8(body, PING_BODY_MAX_BYTES),
      headers: { 'Content-Type': 'text/plain; charset=utf-8' },
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'follow',
    });
    const answer = await res.text();
    if (res.ok) return null;
    const said = answer.trim().slice(0, 200);
    return `healthcheck ${shown} failed: HTTP ${res.status}${said ? ` (${said})` : ''}`;
  } catch (err) {
    return `healthcheck ${shown} failed: ${whatWentWrong(err, timeoutMs)}`;
  }
}

/** `url` with the kind's suffix on its path (a query, such as ?rid=, stays where it is). */
export function pingUrl(url: string, kind: PingKind): URL {
  const u = new URL(url);
  u.pathname = u.pathname.replace(/\/+$/, '') + SUFFIX[kind];
  return u;
}

/** The first `max` bytes of `text` in UTF-8, cut before a character, never through one. */
export function truncateUtf8(text: string, max: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= max) return text;
  let end = max;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--; // a continuation byte: back to the character's start
  return bytes.subarray(0, end).toString('utf8');
}

function withoutCredentials(u: URL): string {
  if (!u.username && !u.password) return u.href;
  const shown = new URL(u.href);
  shown.username = '';
  shown.password = '';
  return shown.href;
}

function whatWentWrong(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return `no answer within ${timeoutMs / 1000} s`;
  const code = e.cause?.code;
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'the connection was closed without an answer';
  return [e.message, e.cause?.message].filter(Boolean).join(': ') || String(err);
}
