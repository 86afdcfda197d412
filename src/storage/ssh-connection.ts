// The SSH connection behind the ssh storage: one ssh2 client with its SFTP channel, opened on
// first use and again lazily after it drops. Host keys are checked against known_hosts
// (Freezer accepts any key; we refuse unknown ones unless --ssh-accept-new-host-key, and a
// changed key always). A failed connection attempt becomes a StorageFault: refused, reset or
// timed out is retryable; authentication, host key and handshake failures are permanent.
import ssh2 from 'ssh2';
import type { Client as SshClient, ConnectConfig, SFTPWrapper, ServerHostKeyAlgorithm } from 'ssh2';
import type { Logger } from '../base/log.js';
import { StorageFault, FaultKind } from './storage.js';
import { appendKnownHost, checkHostKey, keyTypeOf, knownHostName, knownKeyTypes, readKnownHosts } from './known-hosts.js';

const { Client } = ssh2;

const HOST_KEY_ALGORITHMS = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

export interface SshConnectionOptions {
  host: string;
  port: number;
  username: string;
  /** Used when non-empty; otherwise `privateKey` (as Freezer). */
  password?: string;
  privateKey?: Buffer;
  /** For messages only. */
  keyFile?: string;
  /** Where unknown keys are appended with `acceptNewHostKey`. */
  knownHostsFile: string;
  /** Also read (never written): the system-wide file. */
  extraKnownHosts?: string[];
  acceptNewHostKey: boolean;
  /** Connection set-up limit. */
  readyTimeoutMs?: number;
  log?: Logger;
}

interface Session {
  client: SshClient;
  sftp: SFTPWrapper;
}

export class SshConnection {
  private session: Promise<Session> | null = null;
  private readonly hostName: string;
  private hostKeyProblem: string | null = null;
  private closed = false;

  /** `name` prefixes every message (the storage's name). */
  constructor(
    private readonly opts: SshConnectionOptions,
    private readonly name: string,
  ) {
    this.hostName = knownHostName(opts.host, opts.port);
  }

  async sftp(): Promise<SFTPWrapper> {
    if (this.closed) throw new StorageFault('permanent', `${this.name}: the storage is closed`);
    if (!this.session) {
      const s = this.connect();
      this.session = s;
      s.catch(() => {
        if (this.session === s) this.session = null;
      });
    }
    return (await this.session).sftp;
  }

  async close(): Promise<void> {
    this.closed = true;
    const s = this.session;
    this.session = null;
    if (!s) return;
    const session = await s.catch(() => null);
    if (!session) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, 2000);
      session.client.once('close', () => {
        clearTimeout(t);
        resolve();
      });
      session.client.end();
    });
  }

  private drop(s: Session): void {
    this.session?.then(
      (cur) => {
        if (cur === s) this.session = null;
      },
      () => {},
    );
  }

  private async connect(): Promise<Session> {
    const o = this.opts;
    const entries = await readKnownHosts([o.knownHostsFile, ...(o.extraKnownHosts ?? [])]).catch((err) => {
      throw new StorageFault('permanent', `${this.name}: cannot read the known hosts file ${o.knownHostsFile}: ${(err as Error).message}`, {
        cause: err,
      });
    });
    // Ask first for the key types known for this host, so a known host is checked against them.
    const known = knownKeyTypes(entries, this.hostName).flatMap((t) =>
      t === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [t],
    );
    const serverHostKey = [
      ...known.filter((a) => HOST_KEY_ALGORITHMS.includes(a)),
      ...HOST_KEY_ALGORITHMS.filter((a) => !known.includes(a)),
    ];
    this.hostKeyProblem = null;
    const hostVerifier = (blob: Buffer, verify: (ok: boolean) => void): void => {
      const v = checkHostKey(entries, this.hostName, blob);
      const type = keyTypeOf(blob);
      if (v.status === 'known') return verify(true);
      if (v.status === 'revoked') {
        this.hostKeyProblem = `the ${type} host key of ${this.hostName} is marked @revoked in ${v.entry.file}:${v.entry.line}`;
        return verify(false);
      }
      if (v.status === 'changed') {
        this.hostKeyProblem =
          `HOST KEY CHANGED: the ${type} host key of ${this.hostName} is not the one in ${v.entry.file}:${v.entry.line} ` +
          '(someone may be intercepting the connection, or the server was reinstalled); ' +
          `if the change is expected, remove that line (ssh-keygen -R "${this.hostName}" -f ${v.entry.file})`;
        return verify(false);
      }
      if (!o.acceptNewHostKey) {
        this.hostKeyProblem =
          `unknown host key: ${this.hostName} (${type}) is not in ${o.knownHostsFile}; ` +
          'add it there (e.g. ssh-keyscan) or pass --ssh-accept-new-host-key to accept and record it';
        return verify(false);
      }
      appendKnownHost(o.knownHostsFile, this.hostName, blob).then(
        () => {
          o.log?.warn(`${this.name}: accepted the new ${type} host key of ${this.hostName} and added it to ${o.knownHostsFile}`);
          verify(true);
        },
        (err: Error) => {
          this.hostKeyProblem = `cannot record the new host key in ${o.knownHostsFile}: ${err.message}`;
          verify(false);
        },
      );
    };
    const config: ConnectConfig = {
      host: o.host,
      port: o.port,
      username: o.username,
      readyTimeout: o.readyTimeoutMs ?? 30_000,
      keepaliveInterval: 10_000,
      keepaliveCountMax: 3,
      hostVerifier,
      algorithms: { serverHostKey: serverHostKey as ServerHostKeyAlgorithm[] },
      tryKeyboard: false,
    };
    if (o.password) config.password = o.password;
    else config.privateKey = o.privateKey;

    const client = new Client();
    const session = await new Promise<Session>((resolve, reject) => {
      let settled = false;
      const fail = (err: unknown) => {
        if (settled) return;
        settled = true;
        client.end();
        reject(this.connectFault(err));
      };
      client.once('ready', () => {
        client.sftp((err, sftp) => {
          if (err) return fail(err);
          settled = true;
          const s: Session = { client, sftp };
          sftp.on('close', () => this.drop(s));
          sftp.on('error', (e: Error) => {
            o.log?.debug(`${this.name}: sftp channel error: ${e.message}`);
            this.drop(s);
          });
          client.on('close', () => this.drop(s));
          client.on('end', () => this.drop(s));
          resolve(s);
        });
      });
      // Errors after the connection is up (keepalive timeout, reset) drop it; the requests in
      // flight fail with "No response from server" and are retried on a new connection.
      client.on('error', (err) => {
        if (!settled) return fail(err);
        o.log?.debug(`${this.name}: connection error: ${err.message}`);
        void this.session?.then(
          (s) => {
            if (s.client === client) this.drop(s);
          },
          () => {},
        );
      });
      client.once('close', () => fail(new Error('connection closed during set-up')));
      try {
        client.connect(config);
      } catch (err) {
        fail(err);
      }
    });
    o.log?.debug(`${this.name}: connected`);
    return session;
  }

  /** A fault for a failed connection attempt, with its cause in words. */
  private connectFault(err: unknown): StorageFault {
    if (err instanceof StorageFault) return err;
    const e = err as Error & { level?: string; code?: string };
    const msg = e?.message ?? String(err);
    const fault = (kind: FaultKind, why: string) => new StorageFault(kind, `${this.name}: ${why}`, { cause: err });
    if (this.hostKeyProblem) return fault('permanent', this.hostKeyProblem);
    switch (e?.level) {
      case 'client-authentication':
        return fault(
          'permanent',
          `authentication failed for user ${this.opts.username} (${this.opts.password ? 'password' : `key ${this.opts.keyFile ?? ''}`.trim()} refused by the server)`,
        );
      case 'client-timeout':
        return fault('retryable', `connection timed out (${msg})`);
      case 'client-dns':
      case 'client-socket': {
        const code = e.code ?? '';
        if (code === 'ECONNREFUSED')
          return fault('retryable', `connection refused by ${this.opts.host}:${this.opts.port} (is the SSH server running?)`);
        if (code === 'ENOTFOUND') return fault('permanent', `unknown host ${this.opts.host}`);
        return fault('retryable', `cannot connect to ${this.opts.host}:${this.opts.port}: ${msg}`);
      }
      case 'handshake':
      case 'protocol':
        return fault('permanent', `SSH handshake failed: ${msg}`);
      default:
        if (/Cannot parse privateKey|passphrase/i.test(msg))
          return fault('permanent', `cannot use the key ${this.opts.keyFile ?? ''}: ${msg}`);
        if (/subsystem/i.test(msg)) return fault('permanent', `the server refused the SFTP subsystem: ${msg}`);
        return fault('retryable', `connection failed: ${msg}`);
    }
  }
}
