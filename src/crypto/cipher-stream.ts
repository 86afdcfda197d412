// AES-256-CFB streams in `openssl enc` format: "Salted__" + 8-byte salt, then one continuous
// CFB-128 stream (never restarted per chunk, unlike Freezer's crypt.py).
import { native } from '../native.js';
import { integrityError } from '../base/errors.js';
import type { CipherKeys } from './keys.js';

export const SALT_MAGIC = Buffer.from('Salted__');
export const HEADER_SIZE = 16;

export function opensslHeader(salt: Buffer): Buffer {
  return Buffer.concat([SALT_MAGIC, salt]);
}

export async function* encryptStream(keys: CipherKeys, source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  yield opensslHeader(keys.salt);
  const cipher = new native.Cipher(keys.key, keys.iv, false);
  for await (const chunk of source) yield await cipher.update(chunk);
}

/** Splits the 16-byte header off an encrypted stream and hands the salt to `keysFor`. */
export async function* decryptStream(keysFor: (salt: Buffer) => CipherKeys, source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let header = Buffer.alloc(0);
  let cipher: InstanceType<typeof native.Cipher> | undefined;
  for await (let chunk of source) {
    if (!cipher) {
      header = Buffer.concat([header, chunk]);
      if (header.length < HEADER_SIZE) continue;
      if (!header.subarray(0, 8).equals(SALT_MAGIC)) {
        throw integrityError('encrypted data does not start with the openssl "Salted__" header (not encrypted, or damaged)');
      }
      const keys = keysFor(Buffer.from(header.subarray(8, 16)));
      cipher = new native.Cipher(keys.key, keys.iv, true);
      chunk = header.subarray(HEADER_SIZE);
      if (chunk.length === 0) continue;
    }
    yield await cipher.update(chunk);
  }
  if (!cipher) throw integrityError('encrypted data is shorter than its 16-byte openssl header (truncated)');
}
