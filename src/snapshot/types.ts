// The contract between the backup action and what makes its source consistent: a snapshot
// provider (btrfs, LVM) and a database mode (mysql, mongo). The action asks for a point in
// time, backs up from its `path` under the original names, and releases it on every exit path.
import type { Logger } from '../base/log.js';

/** A consistent copy of the source, made for one backup. */
export interface PointInTime {
  /** The directory (or file) to back up from; relative names below it are the original ones. */
  readonly path: string;
  /** What was taken, for the backup's metadata (provider, snapshot name, binlog position…). */
  readonly details: Record<string, unknown>;
  /**
   * The provider's own names below `path`, left out of the backup (GNU tar --exclude patterns;
   * `./name` matches at the root only): btrfs's snapshot directory when `path` is a subvolume's root.
   */
  readonly exclude?: readonly string[];
  /** Throws a clear error when the copy became invalid while it was read (a full LVM snapshot). */
  check(): Promise<void>;
  /** Removes whatever was made (snapshot, mount, hot copy). Idempotent; never throws. */
  release(): Promise<void>;
}

/** What a snapshot provider is given. */
export interface SnapshotRequest {
  /** The real path of --path-to-backup. */
  source: string;
  /**
   * The chain as its lock names it (`<engine>/<host>_<backup-name>`: one live run each): names
   * the snapshot, so a leftover of a killed run can be found. Any characters but NUL.
   */
  chainName: string;
  log: Logger;
}

export interface SnapshotProvider {
  readonly kind: 'btrfs' | 'lvm';
  /** Removes leftovers of this chain from killed runs (warning for each); then takes one. */
  take(req: SnapshotRequest): Promise<PointInTime>;
}

/** A database mode: how the database is made consistent on disk. The plain file mode is `fs`. */
export interface DatabaseMode {
  readonly name: string;
  /** Checks made before anything is taken (mongo: refuses a secondary). */
  prepare(): Promise<void>;
  /**
   * Runs `take` (the snapshot) while the database's files are consistent on disk (mysql: FLUSH
   * TABLES WITH READ LOCK, held only for `take`); returns the mode's facts (binlog file and
   * position, GTID) with `take`'s result.
   */
  quiesce<T>(take: () => Promise<T>): Promise<{ value: T; details: Record<string, unknown> }>;
  /**
   * Without a snapshot: a consistent copy of the mode's own making (mysql: mariadb-backup, its
   * output prepared), or null when the files are backed up as they are.
   */
  hotCopy(req: SnapshotRequest): Promise<PointInTime | null>;
  /** Closes connections. Idempotent; never throws. */
  close(): Promise<void>;
}
