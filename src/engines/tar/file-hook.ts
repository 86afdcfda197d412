// How an engine stores some regular files its own way (the rsync engine's deltas): the tar
// writer asks the hook for each regular file before dumping it whole.

export interface StoredContent {
  typeflag: string;
  fd: number;
  size: number;
}

export interface RegularFileHook {
  /**
   * Called for every regular file about to be stored (not for later names of a hard link),
   * with the archive name, the path and the file's size. Resolves null to store the file whole.
   */
  replace(name: string, abs: string, size: number): Promise<StoredContent | null>;
  /** Called once a replacement is in the archive: its fd may be closed. */
  stored(name: string, content: StoredContent): void;
}
