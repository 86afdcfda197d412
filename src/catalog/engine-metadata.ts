// engine_metadata of a member, checked against the hash recorded in its metadata when we wrote
// it. The tar engine's (a GNU tar snapshot) stays in clear, as Freezer writes and reads it, so
// Freezer can continue our chains. The rsync engine's is ours alone and holds every file's
// name and block signatures: with encryption on it is encrypted like the data (openssl enc
// format) under a salt of its own, since a key and IV must never encrypt two streams.
import { integrityError, passwordError } from '../base/errors.js';
import { decryptStream, encryptStream } from '../crypto/cipher-stream.js';
import { newKeys, type CipherKeys } from '../crypto/keys.js';
import { collectAll } from '../bytes/collect.js';
import { sha256Hex } from '../crypto/integrity.js';
import { readObject, type Storage } from '../storage/storage.js';
import type { Member } from './chains.js';
import { engineMetadataPath } from './layout.js';
import { keysForMember } from './member-keys.js';
import { permafrostInfo, type EngineMetadataRecord } from './metadata.js';

/** Only the rsync engine's engine_metadata is encrypted (see above). */
function sealsEngineMetadata(engine: string, keys: CipherKeys | null): boolean {
  return keys !== null && engine === 'rsync';
}

export interface SealedEngineMetadata {
  stored: Buffer;
  record: EngineMetadataRecord;
}

/** The bytes to store, and what metadata records of them. */
export async function sealEngineMetadata(
  plain: Buffer,
  password: Buffer | null,
  dataKeys: CipherKeys | null,
  engine: string,
): Promise<SealedEngineMetadata> {
  let stored = plain;
  if (sealsEngineMetadata(engine, dataKeys)) {
    const keys = newKeys(password!, dataKeys!.kdf, dataKeys!.iterations);
    stored = await collectAll(
      encryptStream(
        keys,
        (async function* () {
          yield plain;
        })(),
      ),
    );
  }
  const record: EngineMetadataRecord = { size: stored.length, sha256: await sha256Hex(stored) };
  if (stored !== plain) record.encrypted = true;
  return { stored, record };
}

export async function readEngineMetadata(storage: Storage, member: Member, password: Buffer | null): Promise<Buffer> {
  const p = engineMetadataPath(member);
  const data = await readObject(storage, p);
  const expected = permafrostInfo(member.meta)?.engine_metadata;
  if (expected && (data.length !== expected.size || (await sha256Hex(data)) !== expected.sha256)) {
    throw integrityError(`${p} does not match the SHA-256 recorded in its metadata: the stored engine metadata is damaged`);
  }
  if (!expected?.encrypted) return data;
  const name = `${member.level}_${member.ts}`;
  if (!password)
    throw passwordError(`the engine metadata of backup ${name}, which the next level builds on, is encrypted: give --encrypt-pass-file`);
  const keys = keysForMember(member, password);
  if (!keys) throw integrityError(`${p} is recorded as encrypted but backup ${name} is not`);
  return collectAll(
    decryptStream(
      keys.derive,
      (async function* () {
        yield data;
      })(),
    ),
  );
}
