// The `metadata` object: Freezer's keys (which freezer-agent reads) plus one `permafrost`
// object with what we verify on restore. One line of JSON: Freezer parses only the first line.
import type { StreamDigest } from '../crypto/integrity.js';
import type { BackupMetadata } from './chains.js';

export const METADATA_FORMAT = 1;

/** What metadata records of a backup's engine_metadata object. */
export interface EngineMetadataRecord {
  size: number;
  sha256: string;
  /** Present and true when the stored bytes are encrypted (rsync engine with encryption on). */
  encrypted?: boolean;
}

export interface EncryptionInfo {
  cipher: 'aes-256-cfb';
  kdf: 'evp' | 'pbkdf2';
  md: 'sha256';
  iterations: number;
  salt: string;
  key_check: string;
}

export interface PermafrostBackupInfo {
  format: number;
  level: number;
  parent: string | null;
  l0_timestamp: number;
  timestamp: number;
  hostname: string;
  backup_name: string;
  engine: string;
  codec: { name: string; level: number | null; threads: number };
  encryption: EncryptionInfo | null;
  data: StreamDigest;
  engine_metadata: EngineMetadataRecord;
  source: {
    path: string;
    files: number;
    directories: number;
    bytes_read: number;
    warnings: string[];
    /** Non-directories new, changed, unchanged, removed since the parent (absent before they were recorded). */
    files_new?: number;
    files_changed?: number;
    files_unchanged?: number;
    files_removed?: number;
  };
  /** --consistency-check: the tree checksum of the source (FORMAT.md §6). */
  consistency_checksum?: string;
  /** rsync engine only: signature block length, files stored as deltas and their bytes. */
  rsync?: { block_length: number; deltas?: number; delta_bytes?: number };
  /**
   * What the source was read from when it was not read as it is: `path` (the snapshot's or hot
   * copy's path of the source), the provider and its snapshot, the --mode and its facts.
   */
  point_in_time?: { path: string } & Record<string, unknown>;
  started_at: string;
  finished_at: string;
  duration_ms: number;
  agent_version: string;
}

export function buildMetadata(info: PermafrostBackupInfo): BackupMetadata {
  return {
    engine_name: info.engine,
    compression: info.codec.name,
    ...(info.rsync ? { rsync_block_size: info.rsync.block_length } : {}),
    encryption: info.encryption !== null,
    permafrost: info as unknown as BackupMetadata['permafrost'],
  };
}

export function serializeMetadata(meta: BackupMetadata): Buffer {
  return Buffer.from(JSON.stringify(meta), 'utf8');
}

export function permafrostInfo(meta: BackupMetadata): PermafrostBackupInfo | undefined {
  const p = meta.permafrost as unknown as PermafrostBackupInfo | undefined;
  return p && p.format === METADATA_FORMAT ? p : undefined;
}
