// engine_metadata of a member (the GNU tar snapshot file for the tar engine), checked against
// the hash recorded in its metadata when we wrote it.
import { integrityError } from '../errors.js';
import { sha256Hex } from '../pipeline/digest.js';
import { readObject, type Storage } from '../storage/storage.js';
import type { Member } from './chains.js';
import { engineMetadataPath } from './layout.js';
import { permafrostInfo } from './metadata.js';

export async function readEngineMetadata(storage: Storage, member: Member): Promise<Buffer> {
  const p = engineMetadataPath(member);
  const data = await readObject(storage, p);
  const expected = permafrostInfo(member.meta)?.engine_metadata;
  if (expected && (data.length !== expected.size || (await sha256Hex(data)) !== expected.sha256)) {
    throw integrityError(`${p} does not match the SHA-256 recorded in its metadata: the stored engine metadata is damaged`);
  }
  return data;
}
