// Dumpdir: the data of a GNU 'D' member and the entry list of a snapshot record
// (docs/GNU-TAR.md §3): letter + name + NUL per entry, then one NUL.

/** Y = in this archive, N = exists but unchanged, D = directory; R/T/X = rename records. */
export type DumpdirLetter = 'Y' | 'N' | 'D' | 'R' | 'T' | 'X';

export interface DumpdirEntry {
  /** A DumpdirLetter when written here; whatever the archive holds when read. */
  letter: string;
  name: string;
}

export function encodeDumpdir(entries: readonly DumpdirEntry[]): Buffer {
  // One string, encoded once: a write per name costs more than the names (38k entries: 15 ms vs 3).
  let text = '';
  for (const e of entries) text += `${e.letter[0]}${e.name}\0`;
  return Buffer.from(`${text}\0`, 'utf8');
}

/** Parses up to the list-end NUL (or the end of data, as GNU tar tolerates). */
export function decodeDumpdir(data: Buffer): DumpdirEntry[] {
  const entries: DumpdirEntry[] = [];
  let at = 0;
  while (at < data.length && data[at] !== 0) {
    let end = data.indexOf(0, at);
    if (end === -1) end = data.length;
    entries.push({ letter: String.fromCharCode(data[at]), name: data.toString('utf8', at + 1, end) });
    at = end + 1;
  }
  return entries;
}

/**
 * strcmp order of the UTF-8 encodings, computed on UTF-16 strings without encoding them:
 * code-unit order equals code-point (hence UTF-8 byte) order except that surrogates
 * (U+D800..DFFF) must sort after U+E000..FFFF.
 */
export function compareNames(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x = fixupSurrogateOrder(x);
      y = fixupSurrogateOrder(y);
    }
    return x - y;
  }
  return a.length - b.length;
}

function fixupSurrogateOrder(unit: number): number {
  if (unit >= 0xe000) return unit - 0x800;
  return unit + 0x2000;
}
