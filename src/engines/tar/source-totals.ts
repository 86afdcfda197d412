// What a dump is going to read, counted by the scan that runs ahead of it (as restic's
// scanner does), so the progress line can show a percentage and an ETA. Counting needs a stat
// of every entry, which the scan skips at level 0; only a run that shows progress pays for it.
import type { ScanStat } from './listing.js';

export class SourceTotals {
  /** Regular files the dump will read, and their bytes; they grow while the scan runs. */
  files = 0;
  bytes = 0;
  /** The scan has ended: files and bytes are the totals. */
  complete = false;
  /** false with --hard-dereference: every name of an inode is read in full. */
  linksOnce = true;
  private readonly links = new Set<string>();

  /** A regular file the dump will read (its stat, when the scan has one). */
  add(st: Pick<ScanStat, 'dev' | 'ino' | 'nlink' | 'size'> | undefined): void {
    if (st && this.linksOnce && st.nlink > 1n) {
      // The second name of an inode is stored as a hard link: nothing more is read.
      const key = `${st.dev}:${st.ino}`;
      if (this.links.has(key)) return;
      this.links.add(key);
    }
    this.files++;
    this.bytes += st ? Number(st.size) : 0;
  }
}
