// The stages of a backup after its engine: archive → codec → cipher → digest (SHA-256 of each
// segment and of the stream, HMAC when encrypted, and the part MD5s a storage may ask for) →
// storage, with a few chunks read ahead between stages so that reading, compressing and
// writing overlap, over pooled chunks that the stages give back when done with them.
import { compress, memberOutputSize, type CodecName } from '../codecs/index.js';
import { encryptStream } from '../crypto/cipher-stream.js';
import type { CipherKeys } from '../crypto/keys.js';
import { prefetch } from '../bytes/prefetch.js';
import { allLeases, ChunkPool } from '../bytes/chunk-pool.js';
import { storageError } from '../base/errors.js';
import type { Storage } from '../storage/storage.js';
import { digestStream, type StreamDigest } from './digest.js';

/** ~1 MiB chunks kept ready between stages. */
const READ_AHEAD_CHUNKS = 4;
/** The engine's archive chunks (ArchiveBuffer fills them). */
const ARCHIVE_CHUNK = 1 << 20;
/** Enough for the read-ahead queue and the members in flight. */
const SPARE_CHUNKS = READ_AHEAD_CHUNKS + 4;

/** Where the engine takes the chunks it fills: pass it to the engine and to storeArchive. */
export const archiveChunks = (): ChunkPool => new ChunkPool(ARCHIVE_CHUNK, SPARE_CHUNKS);

type Stream = AsyncIterable<Buffer>;

/** Where a progress display looks at the bytes going by (each returns its stream, tapped or not). */
export interface StageTaps {
  archive(s: Stream): Stream;
  codecInput(s: Stream): Stream;
  codecOutput(s: Stream): Stream;
  storage(s: Stream): Stream;
}

const untapped: StageTaps = { archive: (s) => s, codecInput: (s) => s, codecOutput: (s) => s, storage: (s) => s };

export interface ArchiveStages {
  codec: { name: CodecName; level?: number; threads: number };
  /** null: stored in clear. */
  keys: CipherKeys | null;
  segmentSize: number;
  taps?: StageTaps;
}

/**
 * Stores `archive` (taken from `chunks`) as the segmented object `path` of `storage`; resolves
 * with what was recorded of the stored bytes once the storage has all of them.
 */
export async function storeArchive(
  archive: Stream,
  chunks: ChunkPool,
  storage: Storage,
  path: string,
  opts: ArchiveStages,
): Promise<StreamDigest> {
  const taps = opts.taps ?? untapped;
  const members = new ChunkPool(memberOutputSize(), SPARE_CHUNKS);
  const leases = allLeases(chunks, members);
  const ahead = prefetch(taps.archive(archive), READ_AHEAD_CHUNKS);
  const compressed = prefetch(
    taps.codecOutput(
      compress(
        {
          codec: opts.codec.name,
          level: opts.codec.level,
          threads: opts.codec.threads,
          release: (c) => chunks.give(c),
          outputs: members,
        },
        taps.codecInput(ahead),
      ),
    ),
    READ_AHEAD_CHUNKS,
  );
  const stored = opts.keys ? encryptStream(opts.keys, compressed) : compressed;
  // Storages that check every part against its MD5 get them from the digest's own pass.
  const md5s = storage.partMd5s(opts.segmentSize);
  let digest: StreamDigest | undefined;
  const hashed = digestStream(
    stored,
    opts.segmentSize,
    opts.keys?.hmacKey ?? null,
    (d) => {
      digest = d;
    },
    leases,
    md5s,
  );
  await storage.put(path, () => taps.storage(hashed), { segmented: true, leases, partMd5: md5s });
  if (!digest) throw storageError(`${storage.name}: the data stream of ${path} did not complete`);
  return digest;
}
