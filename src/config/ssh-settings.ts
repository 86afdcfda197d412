// The typed settings of an SSH storage, from the flat options or a `[storage:NAME]` section's
// keys; the private key is read and parsed here, so a bad key is a usage error naming it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ssh2 from 'ssh2';
import { usageError } from '../base/errors.js';
import type { SshStoreOptions } from '../storage/ssh.js';
import type { StorageScope } from './storage-scope.js';

const { utils } = ssh2;

const homeKnownHosts = () => path.join(os.homedir(), '.ssh', 'known_hosts');

function readKey(file: string, where: string): Buffer {
  let key: Buffer;
  try {
    key = fs.readFileSync(file);
  } catch (err) {
    throw usageError(`${where}: cannot read the SSH private key ${file}: ${(err as Error).message}`);
  }
  const parsed = utils.parseKey(key);
  if (parsed instanceof Error) {
    throw usageError(
      `${where}: cannot use the SSH private key ${file}: ${parsed.message}` +
        (/passphrase|encrypted/i.test(parsed.message)
          ? ' (keys protected by a passphrase are not supported; use an unencrypted key or --ssh-password)'
          : ''),
    );
  }
  return key;
}

/** Everything the SSH store needs but its logger. */
export function sshSettings(s: StorageScope): Omit<SshStoreOptions, 'log'> {
  const where = s.section ? `[storage:${s.section}]` : '--storage ssh';
  const opt = (name: string) => (s.section ? `${name.replace(/-/g, '_')} (--${name})` : `--${name}`);
  const host = s.ssh_host || undefined;
  if (!host) throw usageError(`${where} needs ${opt('ssh-host')}`);
  const username = s.ssh_username || undefined;
  if (!username) throw usageError(`${where} needs ${opt('ssh-username')}`);
  const port = s.ssh_port ?? 22;
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw usageError(`invalid value for ${opt('ssh-port')}: ${port} is outside 1..65535`);
  const password = s.ssh_password || undefined;
  let keyFile = s.ssh_key || undefined;
  if (!password && !keyFile) {
    keyFile = ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((n) => path.join(os.homedir(), '.ssh', n)).find((f) => fs.existsSync(f));
    if (!keyFile) throw usageError(`${where} needs ${opt('ssh-key')} (a private key file) or ${opt('ssh-password')}`);
  }
  const privateKey = password ? undefined : readKey(keyFile!, where);
  const knownHostsFile = s.ssh_known_hosts || undefined;
  const container = s.container || undefined;
  if (!container) throw usageError(`${where} needs a container (a directory on the remote host)`);
  const timeout = s.timeout !== undefined && s.timeout > 0 ? s.timeout : 30;
  return {
    host,
    port,
    username,
    password,
    privateKey,
    keyFile,
    knownHostsFile: knownHostsFile ? path.resolve(knownHostsFile) : homeKnownHosts(),
    // The system-wide file is read too when the user's is the default one, as ssh does.
    extraKnownHosts: knownHostsFile ? [] : ['/etc/ssh/ssh_known_hosts'],
    acceptNewHostKey: Boolean(s.ssh_accept_new_host_key),
    container,
    readyTimeoutMs: Math.min(timeout, 60) * 1000,
  };
}
