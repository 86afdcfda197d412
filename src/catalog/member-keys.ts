// Keys of an encrypted backup level, checked against its metadata before anything is read.
import { passwordError } from '../base/errors.js';
import { deriveKeys, keyCheck, CipherKeys } from '../crypto/keys.js';
import type { Member } from './chains.js';
import { permafrostInfo } from './metadata.js';

/** Keys of an encrypted member: fixed when we wrote it, or derived from the stream's salt (Freezer). */
export interface MemberKeys {
  /** Known before reading: lets segments be checked with the HMAC key. */
  fixed: CipherKeys | null;
  /** Keys of the member's data stream, given the salt in its openssl header. */
  forSalt: (salt: Buffer) => CipherKeys;
  /** Keys of another object of the member encrypted with its password and KDF under its own salt. */
  derive: (salt: Buffer) => CipherKeys;
}

/** null for an unencrypted member; a password error when it is missing or wrong. */
export function keysForMember(m: Member, password: Buffer | null): MemberKeys | null {
  if (!m.meta.encryption) return null;
  const name = `${m.level}_${m.ts}`;
  if (!password) throw passwordError(`backup ${name} is encrypted: give --encrypt-pass-file`);
  const enc = permafrostInfo(m.meta)?.encryption;
  if (!enc) {
    const freezerKeys = (salt: Buffer) => deriveKeys(password, salt, 'evp', 1);
    return { fixed: null, forSalt: freezerKeys, derive: freezerKeys };
  }
  const keys = deriveKeys(password, Buffer.from(enc.salt, 'hex'), enc.kdf, enc.iterations);
  if (keyCheck(keys) !== enc.key_check) throw passwordError(`wrong password for encrypted backup ${name} (--encrypt-pass-file)`);
  return { fixed: keys, forSalt: () => keys, derive: (salt) => deriveKeys(password, salt, enc.kdf, enc.iterations) };
}
