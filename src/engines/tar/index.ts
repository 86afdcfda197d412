// Public API of the tar engine: GNU-incremental writer, reader, extractor, snapshot codec.
export { createTarBackup } from './writer.js';
export type { Dereference, TarBackup, TarBackupOptions, TarBackupResult, TarBackupStats } from './writer.js';
export { readTar } from './reader.js';
export type { TarEntry, TarEntryHeader } from './reader.js';
export { extractTar } from './extract.js';
export type { ExtractOptions, ExtractStats } from './extract.js';
export type { HookedMember, MemberHook } from './member-hook.js';
export { SourceTotals } from './source-totals.js';
export type { EntryChanges } from './changes.js';
export { parseSnapshot, serializeSnapshot, snapshotTimestampNs, SNAPSHOT_HEADER } from './snapshot.js';
export type { Snapshot, SnapshotDirectory } from './snapshot.js';
export {
  BLOCK_SIZE,
  decodeHeader,
  encodeHeader,
  encodeLongEntry,
  encodeMemberHeader,
  isZeroBlock,
  memberHeaderLength,
  readNumeric,
  writeNumeric,
} from './header.js';
export type { DecodedHeader, HeaderFields, HeaderMagic, TypeFlag } from './header.js';
export { compareNames, decodeDumpdir, encodeDumpdir } from './dumpdir.js';
export type { DumpdirEntry, DumpdirLetter } from './dumpdir.js';
export { compileExcludes } from '../exclude.js';
export type { ExcludeMatcher } from '../exclude.js';
