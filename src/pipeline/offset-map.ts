// Where a later stage of a pipeline is, in the terms of an earlier one. The stages between
// the source and the storage hold several MiB read ahead (chunk pools, prefetch queues, parts
// in flight); progress counted where the data is read would reach 100% while all of that is
// still to upload, and its ETA would be wrong by as much. So each stage marks, as its chunks
// pass, "my offset here = this figure upstream", and the storage's offset is translated back
// through the marks, interpolating between them.

export class OffsetMap {
  /** [offset, ...figures], offsets increasing; the first is the last one already looked past. */
  private marks: number[][];

  constructor(figures: number) {
    this.marks = [new Array<number>(figures + 1).fill(0)];
  }

  /** At `offset` of this stage the upstream figures were `figures`. Offsets must not decrease. */
  mark(offset: number, ...figures: number[]): void {
    this.marks.push([offset, ...figures]);
  }

  /** The upstream figures at `offset` (queries must not go back: older marks are dropped). */
  at(offset: number): number[] {
    while (this.marks.length > 1 && this.marks[1][0] <= offset) this.marks.shift();
    const [a, b] = [this.marks[0], this.marks[1]];
    if (!b || b[0] === a[0]) return a.slice(1);
    const f = Math.min(1, Math.max(0, (offset - a[0]) / (b[0] - a[0])));
    return a.slice(1).map((v, i) => v + (b[i + 1] - v) * f);
  }
}

/** Passes chunks on, telling `passed` the stream's offset after each one. */
export async function* tapOffsets(source: AsyncIterable<Buffer>, passed: (offset: number) => void): AsyncGenerator<Buffer> {
  let offset = 0;
  for await (const chunk of source) {
    offset += chunk.length;
    passed(offset);
    yield chunk;
  }
}
