// How an engine extracts member types of its own (the rsync engine's deltas): the extractor
// hands a member whose typeflag a hook claims to that hook, at a path already confined to
// the target. Without a hook that claims it, a typeflag the tar engine does not know is refused.
import type { TarEntryHeader } from './reader.js';

export interface HookedMember {
  header: TarEntryHeader;
  /**
   * Where the member goes, inside the target: every parent is a real directory (checked
   * with lstat, never a symlink). Whatever is at the path itself is unchecked: lstat it and
   * never follow it (O_NOFOLLOW).
   */
  abs: string;
  /** The member's data; read it (or not) before returning. */
  body: AsyncIterable<Buffer>;
  /**
   * Sets the header's owner (when owners are restored), mode and times on an open file:
   * call it on the new file before it takes the name.
   */
  finish: (fd: number) => void;
}

export interface MemberHook {
  /** True for a typeflag this hook extracts (asked of every member but directories). */
  handles(typeflag: string): boolean;
  /** Extracts the member; resolves the bytes written. A dry run never calls it. */
  extract(member: HookedMember): Promise<number>;
}
