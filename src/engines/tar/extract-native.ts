// One level extracted by the native extractor (native/core/tar_extract.h): each decompressed
// chunk goes to the addon, which parses the members and creates the files on the libuv pool
// while a thread of its own writes, sets up and closes them (file_writer.h), a pool round trip
// per chunk rather than several per file. A member it leaves to TypeScript (a directory with
// rename records, a device or FIFO, an engine's hooked type, an unknown type) is extracted
// here by extract-members.ts, reading its data from the same stream, and the native side then
// drops the directory descriptors it holds, since the tree may have changed under them.
import { integrityError, notSupportedError, targetError, unsafeArchiveError } from '../../base/errors.js';
import { native, TarFeedStop, type NativeStoppedMember, type NativeTarExtractor, type TarExtractStatus } from '../../native.js';
import { ByteSource } from './byte-source.js';
import { decodeDumpdir } from './dumpdir.js';
import { applyDelayed, extractEntry, type ExtractOptions, type Extraction } from './extract-members.js';
import type { TarEntryHeader } from './reader.js';

/** Printable typeflags, for asking a hook which ones it claims. */
const TYPEFLAGS = Array.from({ length: 0x7f - 0x21 }, (_, i) => String.fromCharCode(0x21 + i));

export async function extractNatively(source: AsyncIterable<Buffer>, x: Extraction, opts: ExtractOptions): Promise<void> {
  const extractor = new native.TarExtractor(x.tree.root, {
    chown: x.chown,
    umask: process.umask(),
    hookedTypes: opts.memberHook ? TYPEFLAGS.filter((t) => opts.memberHook!.handles(t)).join('') : '',
    skip: keyList(opts.skip),
    needed: keyList(opts.needed),
  });
  // A hook may keep reading a body's pieces after asking for the next: no recycling then.
  const recycle = opts.memberHook ? undefined : opts.recycle;
  const src = new ByteSource(source, recycle ? (chunk) => recycle.give(chunk) : undefined);
  try {
    for (;;) {
      const at = await src.current();
      if (!at) break;
      const [used, stop, files, directories, bytes, status, message, errno] = await extractor.feed(at.chunk, at.start, at.chunk.length);
      src.consume(used);
      x.stats.files += files;
      x.stats.directories += directories;
      x.stats.bytesWritten += bytes;
      if (status) throw extractError(status, message, errno);
      if (stop === TarFeedStop.Relink) {
        x.stats.skipsFailed = true;
        return;
      }
      if (stop === TarFeedStop.Member) {
        await extractStopped(x, src, extractor.stoppedMember(), opts);
        extractor.forget();
      }
    }
    await finishLevel(extractor, x);
  } finally {
    extractor.close();
    await src.close();
  }
}

/** The input ended: it must end between members; then the directories' attributes. */
async function finishLevel(extractor: NativeTarExtractor, x: Extraction): Promise<void> {
  const [ended, why] = extractor.end();
  if (ended) throw extractError(ended, why, 0);
  const [, , , , , status, message, errno, unmet] = await extractor.finish();
  if (status) throw extractError(status, message, errno);
  await applyDelayed(x);
  if (unmet > 0) x.stats.skipsFailed = true;
}

function keyList(keys: ReadonlySet<string> | undefined): string {
  return keys ? [...keys].map((k) => `${k}\0`).join('') : '';
}

async function extractStopped(x: Extraction, src: ByteSource, m: NativeStoppedMember, opts: ExtractOptions): Promise<void> {
  const { dumpdir, dataSize, padding, ...fields } = m;
  const header: TarEntryHeader = { ...fields, ...(dumpdir ? { dumpdir: decodeDumpdir(dumpdir) } : {}) };
  // The native side made and removed things since TypeScript last looked.
  x.tree.forgetAll();
  const body = new MemberBody(src, dataSize, m.name);
  await extractEntry(x, header, body, opts);
  await body.skipRest();
  await src.skip(padding, `the padding of "${m.name}"`);
}

/** A stopped member's data, read from the stream the native side reads. */
class MemberBody implements AsyncIterable<Buffer> {
  constructor(
    private readonly src: ByteSource,
    private remaining: number,
    private readonly name: string,
  ) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    while (this.remaining > 0) {
      const part = await this.src.readSome(this.remaining, `the data of "${this.name}"`);
      this.remaining -= part.length;
      yield part;
    }
  }

  async skipRest(): Promise<void> {
    await this.src.skip(this.remaining, `the data of "${this.name}"`);
    this.remaining = 0;
  }
}

function extractError(status: TarExtractStatus, message: string, errno: number): Error {
  switch (status) {
    case 'ERR_UNSAFE':
      return unsafeArchiveError(message);
    case 'ERR_UNSUPPORTED':
      return notSupportedError(message);
    case 'ERR_IO':
      return targetError(`cannot restore into the target: ${message}`, Object.assign(new Error(message), { errno: -errno }));
    default:
      return integrityError(message);
  }
}
