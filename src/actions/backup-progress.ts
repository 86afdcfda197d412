// A backup's progress line: the source bytes and files behind the stored bytes the storage has
// taken (not those merely read ahead into the pipeline's buffers), of the totals the engine's
// scan counted before the dump began. All of it only when the line is shown: otherwise the
// stages are not tapped and the scan stats nothing more.
import { SourceTotals, type TarBackupStats } from '../engines/tar/index.js';
import { OffsetMap, tapOffsets } from '../pipeline/offset-map.js';
import { startProgress, type ProgressCounters } from '../pipeline/progress.js';

type Stream = AsyncIterable<Buffer>;

export class BackupProgress implements ProgressCounters {
  /** For the engine's scan to fill; undefined when no line is shown. */
  readonly totals: SourceTotals | undefined;
  /** Archive offset → source bytes read and files dumped by then. */
  private readonly read = new OffsetMap(2);
  /** Compressed offset → archive offset consumed by the codec by then. */
  private readonly coded = new OffsetMap(1);
  private codecIn = 0;
  private stored = 0;
  private storedAll = false;

  constructor(
    private readonly live: TarBackupStats,
    readonly shown: boolean,
  ) {
    this.totals = shown ? new SourceTotals() : undefined;
  }

  /** The engine's archive stream. */
  archive(s: Stream): Stream {
    return this.shown ? tapOffsets(s, (at) => this.read.mark(at, this.live.bytesRead ?? 0, this.live.files ?? 0)) : s;
  }

  /** What the codec takes in (after the read-ahead queue). */
  codecInput(s: Stream): Stream {
    return this.shown
      ? tapOffsets(s, (at) => {
          this.codecIn = at;
        })
      : s;
  }

  /** What the codec puts out (before the next queue). */
  codecOutput(s: Stream): Stream {
    return this.shown ? tapOffsets(s, (at) => this.coded.mark(at, this.codecIn)) : s;
  }

  /** What the storage takes. */
  storage(s: Stream): Stream {
    if (!this.shown) return s;
    const taken = tapOffsets(s, (at) => {
      this.stored = at;
    });
    const markStoredAll = () => {
      this.storedAll = true;
    };
    return (async function* () {
      yield* taken;
      markStoredAll();
    })();
  }

  start(label: string): () => void {
    return this.shown ? startProgress(label, this) : () => {};
  }

  /** [source bytes, files] behind what the storage has taken. */
  private position(): number[] {
    if (this.storedAll) return [this.live.bytesRead, this.live.files];
    return this.read.at(this.coded.at(this.stored)[0]);
  }

  get bytes(): number {
    return this.position()[0];
  }
  get files(): number {
    return Math.floor(this.position()[1]);
  }
  get totalBytes(): number | null {
    return this.totals?.complete ? this.totals.bytes : null;
  }
  get totalFiles(): number | null {
    return this.totals?.complete ? this.totals.files : null;
  }
  get scanning(): { files: number; bytes: number } | null {
    return this.totals && !this.totals.complete ? { files: this.totals.files, bytes: this.totals.bytes } : null;
  }
  get finishing(): string | null {
    return this.storedAll ? 'storing the last parts and the metadata' : null;
  }
}
