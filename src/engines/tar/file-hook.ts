// How an engine stores some regular files its own way (the rsync engine's deltas): the tar
// writer asks the hook for each regular file before dumping it whole.
import type { NativeTarSignatureParams } from '../../native.js';

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
  /** Set: the files `replace` would store whole anyway may take the native fast path. */
  readonly signed?: SignedFiles;
}

/**
 * For a hook that only needs a signature of the files it stores whole: the native fast path
 * stores them (files `replace` is not asked about) and signs each from the bytes it archives,
 * in the same read.
 */
export interface SignedFiles {
  params: NativeTarSignatureParams;
  /** true: the file goes to `replace` (it may be stored another way). */
  wantsReplace(name: string): boolean;
  /** A file the fast path stored whole, with the signature of the bytes stored. */
  signature(name: string, signature: Buffer): void;
  /** A file the fast path stored whole without a signature: it changed while it was read. */
  changed(name: string): void;
}
