// Keys compatible with `openssl enc -aes-256-cfb -md sha256 [-pbkdf2 -iter N]`: the password
// is the first line of the pass file without its newline (what openssl's `-pass file:` reads).
// On top of openssl's format we derive an HMAC key, so tampering and a wrong password are
// detected (docs/FORMAT.md §4); the HMAC key never leaves the process.
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { native } from '../native.js';
import { configError } from '../base/errors.js';

export type Kdf = 'evp' | 'pbkdf2';

export interface CipherKeys {
  salt: Buffer;
  key: Buffer;
  iv: Buffer;
  hmacKey: Buffer;
  kdf: Kdf;
  iterations: number;
}

const HMAC_KEY_LABEL = Buffer.from('permafrost hmac key v1');
const KEY_CHECK_LABEL = Buffer.from('permafrost key check v1');

export function readPassword(passFile: string): Buffer {
  let raw: Buffer;
  try {
    raw = readFileSync(passFile);
  } catch (err) {
    throw configError(`cannot read --encrypt-pass-file ${passFile}: ${(err as Error).message}`);
  }
  const nl = raw.indexOf(0x0a);
  const line = nl >= 0 ? raw.subarray(0, nl) : raw;
  if (line.length === 0) throw configError(`--encrypt-pass-file ${passFile}: the first line (the password) is empty`);
  return line;
}

export function deriveKeys(password: Buffer, salt: Buffer, kdf: Kdf, iterations: number): CipherKeys {
  const keyIv = native.deriveKeyIv(password, salt, kdf, kdf === 'evp' ? 1 : iterations);
  const key = keyIv.subarray(0, 32);
  const iv = keyIv.subarray(32, 48);
  const hmacKey = native.hmacSha256(key, HMAC_KEY_LABEL);
  return { salt, key, iv, hmacKey, kdf, iterations: kdf === 'evp' ? 1 : iterations };
}

export function newKeys(password: Buffer, kdf: Kdf, iterations: number): CipherKeys {
  return deriveKeys(password, randomBytes(8), kdf, iterations);
}

/** A value stored in metadata that tells a wrong password apart before any data is read. */
export function keyCheck(keys: CipherKeys): string {
  return native.hmacSha256(keys.hmacKey, KEY_CHECK_LABEL).toString('hex');
}
