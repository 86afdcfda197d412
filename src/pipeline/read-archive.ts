// The stages of a restore before its engine, the mirror of store-archive.ts: storage → check
// of every segment's SHA-256 (and the HMAC) before its bytes go further → decryption →
// decompression, with a few chunks read ahead so that decompression overlaps extraction.
import { decompress, type CodecName } from '../codecs/index.js';
import { decryptStream } from '../crypto/cipher-stream.js';
import type { CipherKeys } from '../crypto/keys.js';
import type { StreamDigest } from '../crypto/integrity.js';
import { prefetch } from '../bytes/prefetch.js';
import type { ChunkPool } from '../bytes/chunk-pool.js';
import { verifySegments } from './digest.js';

/** Decompressed chunks kept ready. */
const READ_AHEAD_CHUNKS = 4;

export interface ArchiveSource {
  /** The stored bytes, as the storage yields them. */
  stored: AsyncIterable<Buffer>;
  /** What the backup recorded of them; null for Freezer's backups, which record none. */
  digest: StreamDigest | null;
  /** Key of the HMAC recorded in `digest`, when there is one. */
  hmacKey: Buffer | null;
  /** Keys for the salt of the stream's openssl header; null when stored in clear. */
  keysForSalt: ((salt: Buffer) => CipherKeys) | null;
  codec: CodecName;
  threads: number;
  /** Names the backup in messages: `backup 1_1700000000`. */
  what: string;
  /** Decompressed chunks come from here (CODEC_OUT_SIZE each); the consumer gives them back. */
  pool?: ChunkPool;
}

/** The archive's bytes, checked, decrypted and decompressed. */
export function readArchive(s: ArchiveSource): AsyncIterable<Buffer> {
  let stream = s.stored;
  if (s.digest) stream = verifySegments(stream, s.digest, s.hmacKey, s.what);
  if (s.keysForSalt) stream = decryptStream(s.keysForSalt, stream);
  return prefetch(decompress(s.codec, s.threads, stream, s.pool), READ_AHEAD_CHUNKS);
}
