// GNU tar snapshot file, format 2 (docs/GNU-TAR.md §6): the
// `--listed-incremental` state that Freezer stores as `engine_metadata`.
import { integrityError, notSupportedError } from '../../base/errors.js';
import type { DumpdirEntry } from './dumpdir.js';

export const SNAPSHOT_HEADER = 'GNU tar-1.34-2';

export interface SnapshotDirectory {
  nfs: boolean;
  mtimeSec: bigint;
  mtimeNsec: bigint;
  dev: bigint;
  ino: bigint;
  /** As tar saw it, no trailing slash: `.`, `./sub`. */
  name: string;
  /** Y/N/D entries in dumpdir order. */
  entries: DumpdirEntry[];
}

export interface Snapshot {
  /** First line without the newline, kept so that a parsed file serializes back byte-identical. */
  header: string;
  timeSec: bigint;
  timeNsec: bigint;
  directories: SnapshotDirectory[];
}

const FORMAT_2_HEADER = /^GNU tar-[0-9][0-9.]*-2$/;
const FORMAT_OTHER_HEADER = /^GNU tar-[0-9][0-9.]*-([0-9]+)$/;
const DECIMAL = /^-?[0-9]+$/;

export function snapshotTimestampNs(s: Snapshot): bigint {
  return s.timeSec * 1_000_000_000n + s.timeNsec;
}

/** Parses a snapshot; null/empty input means "no previous snapshot" (level 0). */
export function parseSnapshot(data: Buffer | null | undefined): Snapshot | null {
  if (!data || data.length === 0) return null;
  const cursor = new SnapshotCursor(data);
  const header = cursor.headerLine();
  const timeSec = cursor.number('snapshot timestamp');
  const timeNsec = cursor.number('snapshot timestamp nanoseconds');
  const directories: SnapshotDirectory[] = [];
  while (!cursor.atEnd()) directories.push(cursor.directory());
  return { header, timeSec, timeNsec, directories };
}

class SnapshotCursor {
  private at = 0;
  constructor(private readonly data: Buffer) {}

  atEnd(): boolean {
    return this.at >= this.data.length;
  }

  headerLine(): string {
    const nl = this.data.indexOf(0x0a);
    const line = this.data.toString('latin1', 0, nl === -1 ? Math.min(this.data.length, 64) : nl);
    if (nl !== -1 && FORMAT_2_HEADER.test(line)) {
      this.at = nl + 1;
      return line;
    }
    const other = nl === -1 ? null : FORMAT_OTHER_HEADER.exec(line);
    if (other) throw notSupportedError(`snapshot file format ${other[1]} is not supported (only format 2): "${line}"`);
    throw integrityError(`malformed snapshot file at byte 0: expected "GNU tar-<version>-2" header line`);
  }

  field(what: string): string {
    const start = this.at;
    const nul = this.data.indexOf(0, start);
    if (nul === -1) throw integrityError(`malformed snapshot file at byte ${start}: unexpected end of file in ${what}`);
    this.at = nul + 1;
    return this.data.toString('utf8', start, nul);
  }

  number(what: string): bigint {
    const start = this.at;
    const text = this.field(what);
    if (!DECIMAL.test(text)) throw integrityError(`malformed snapshot file at byte ${start}: invalid ${what} "${text}"`);
    return BigInt(text);
  }

  directory(): SnapshotDirectory {
    const nfsAt = this.at;
    const nfs = this.number('nfs flag');
    if (nfs !== 0n && nfs !== 1n) throw integrityError(`malformed snapshot file at byte ${nfsAt}: invalid nfs flag ${nfs}`);
    const mtimeSec = this.number('directory mtime');
    const mtimeNsec = this.number('directory mtime nanoseconds');
    const dev = this.number('device number');
    const ino = this.number('inode number');
    const name = this.field('directory name');
    const entries = this.entries();
    this.recordTerminator();
    return { nfs: nfs === 1n, mtimeSec, mtimeNsec, dev, ino, name, entries };
  }

  private entries(): DumpdirEntry[] {
    const entries: DumpdirEntry[] = [];
    for (;;) {
      const text = this.field('directory entry list');
      if (text === '') return entries;
      entries.push({ letter: text[0], name: text.slice(1) });
    }
  }

  private recordTerminator(): void {
    if (this.data[this.at] !== 0) {
      throw integrityError(`malformed snapshot file at byte ${this.at}: missing record terminator`);
    }
    this.at++;
  }
}

export function serializeSnapshot(s: Snapshot): Buffer {
  const parts: string[] = [`${s.header}\n${s.timeSec}\0${s.timeNsec}\0`];
  for (const d of s.directories) {
    parts.push(`${d.nfs ? 1 : 0}\0${d.mtimeSec}\0${d.mtimeNsec}\0${d.dev}\0${d.ino}\0${d.name}\0`);
    for (const e of d.entries) parts.push(`${e.letter}${e.name}\0`);
    parts.push('\0\0');
  }
  return Buffer.from(parts.join(''), 'utf8');
}
