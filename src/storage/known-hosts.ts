// OpenSSH known_hosts files, enough to check a server's host key as `ssh` does: plain host
// pattern lists (`host,host2`, `*`/`?` wildcards, `!negation`), hashed names
// (`|1|salt|hmac-sha1`), `[host]:port` names for a port other than 22, and `@revoked` lines.
// `@cert-authority` lines are skipped (no host certificates here).
import fs from 'node:fs/promises';
import path from 'node:path';
import { createHmac } from 'node:crypto';
import { makeDirs } from '../base/make-dirs.js';

export interface KnownHostEntry {
  marker: '' | '@revoked' | '@cert-authority';
  hosts: string;
  keyType: string;
  key: Buffer;
  file: string;
  line: number;
}

/** The name a host is stored under: `host` on port 22, `[host]:port` otherwise. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host.toLowerCase() : `[${host.toLowerCase()}]:${port}`;
}

/** The key type written inside an SSH public key blob (`ssh-ed25519`, `ssh-rsa`, …). */
export function keyTypeOf(blob: Buffer): string {
  if (blob.length < 4) return '';
  const n = blob.readUInt32BE(0);
  return n > 0 && 4 + n <= blob.length ? blob.subarray(4, 4 + n).toString('latin1') : '';
}

export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, idx) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'] = '';
    if (fields[0].startsWith('@')) {
      if (fields[0] !== '@revoked' && fields[0] !== '@cert-authority') return;
      marker = fields.shift() as KnownHostEntry['marker'];
    }
    if (fields.length < 3) return;
    const [hosts, keyType, b64] = fields;
    if (!/^[A-Za-z0-9+/]+=*$/.test(b64)) return;
    const key = Buffer.from(b64, 'base64');
    // A line whose blob does not carry its own type is corrupt: skipped, as ssh does.
    if (keyTypeOf(key) !== keyType) return;
    out.push({ marker, hosts, keyType, key, file, line: idx + 1 });
  });
  return out;
}

function globMatch(pattern: string, name: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
    's',
  );
  return re.test(name);
}

/** OpenSSH's match_hostname: any positive pattern matches and no negated one does. */
export function hostsFieldMatches(hosts: string, name: string): boolean {
  if (hosts.startsWith('|1|')) {
    const [, , salt, hash] = hosts.split('|');
    if (!salt || !hash) return false;
    const mac = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return mac === hash;
  }
  let matched = false;
  for (const raw of hosts.toLowerCase().split(',')) {
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    if (!pattern || !globMatch(pattern, name)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

export type HostKeyVerdict =
  | { status: 'known'; entry: KnownHostEntry }
  | { status: 'changed'; entry: KnownHostEntry }
  | { status: 'revoked'; entry: KnownHostEntry }
  | { status: 'unknown' };

export function checkHostKey(entries: KnownHostEntry[], name: string, blob: Buffer): HostKeyVerdict {
  const revoked = entries.find((e) => e.marker === '@revoked' && e.key.equals(blob));
  if (revoked) return { status: 'revoked', entry: revoked };
  const mine = entries.filter((e) => e.marker === '' && hostsFieldMatches(e.hosts, name));
  const same = mine.find((e) => e.key.equals(blob));
  if (same) return { status: 'known', entry: same };
  const type = keyTypeOf(blob);
  const changed = mine.find((e) => e.keyType === type);
  if (changed) return { status: 'changed', entry: changed };
  // Keys of other types only: like ssh, a key of a new type is a new key, not a changed one.
  return { status: 'unknown' };
}

/** Key types known for `name`, so the client can ask for those first (as ssh does). */
export function knownKeyTypes(entries: KnownHostEntry[], name: string): string[] {
  return [...new Set(entries.filter((e) => e.marker === '' && hostsFieldMatches(e.hosts, name)).map((e) => e.keyType))];
}

export async function readKnownHosts(files: string[]): Promise<KnownHostEntry[]> {
  const all: KnownHostEntry[] = [];
  for (const f of files) {
    let text: string;
    try {
      text = await fs.readFile(f, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    all.push(...parseKnownHosts(text, f));
  }
  return all;
}

/** Appends `name type base64` (creating the file 0600 and its directory 0700 when needed). */
export async function appendKnownHost(file: string, name: string, blob: Buffer): Promise<void> {
  await makeDirs(path.dirname(file), 0o700);
  let prefix = '';
  try {
    const cur = await fs.readFile(file);
    if (cur.length > 0 && cur[cur.length - 1] !== 0x0a) prefix = '\n';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await fs.appendFile(file, `${prefix}${name} ${keyTypeOf(blob)} ${blob.toString('base64')}\n`, { mode: 0o600 });
}
