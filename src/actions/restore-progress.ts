// A restore's progress line: stored bytes read of those the metadata records, and members
// extracted (live, level after level) of those the levels' metadata says they hold.
import type { ExtractStats } from '../engines/tar/index.js';
import type { ProgressCounters } from '../pipeline/progress.js';
import type { Member } from '../catalog/chains.js';
import { permafrostInfo } from '../catalog/metadata.js';

/** A figure of every member, or null when one does not record it (a Freezer backup). */
function sumOf(members: Member[], figure: (m: Member) => number | undefined): number | null {
  const values = members.map(figure);
  return values.every((v) => v !== undefined) ? values.reduce((a, b) => a + b, 0) : null;
}

/** The non-directory members of a backup: what it dumped (else its regular files, as older metadata records). */
function membersOf(m: Member): number | undefined {
  const source = permafrostInfo(m.meta)?.source;
  if (!source) return undefined;
  return source.files_new !== undefined && source.files_changed !== undefined ? source.files_new + source.files_changed : source.files;
}

export class RestoreProgress implements ProgressCounters {
  /** Stored bytes read so far (countBytes adds to it). */
  bytes = 0;
  /** Set when every level is extracted: what is left. */
  committing: string | null = null;
  readonly totalBytes: number | null;
  totalFiles: number | null;
  /** Every member the levels hold: the total when nothing is skipped. */
  private readonly allFiles: number | null;
  private current = {} as ExtractStats;
  private filesBefore = 0;

  constructor(members: Member[]) {
    this.totalBytes = sumOf(members, (m) => permafrostInfo(m.meta)?.data.size);
    this.allFiles = sumOf(members, membersOf);
    this.totalFiles = this.allFiles;
  }

  /** Members the restore will not write because a later level replaces them. */
  willSkip(members: number): void {
    if (this.allFiles !== null) this.totalFiles = Math.max(0, this.allFiles - members);
  }

  /** The restore starts over (every level in full): nothing read or written counts. */
  restart(): void {
    this.bytes = 0;
    this.filesBefore = 0;
    this.current = {} as ExtractStats;
    this.totalFiles = this.allFiles;
  }

  /** Live counters for the next level's extraction. */
  nextLevel(): ExtractStats {
    this.filesBefore += this.current.files ?? 0;
    this.current = {} as ExtractStats;
    return this.current;
  }

  get files(): number {
    return this.filesBefore + (this.current.files ?? 0);
  }

  /** Once every byte is read, the rate can only fall: the line says what is left instead. */
  get finishing(): string | null {
    if (this.committing) return this.committing;
    return this.totalBytes !== null && this.bytes >= this.totalBytes ? 'extracting the last files' : null;
  }
}
