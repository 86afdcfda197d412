// Streaming tar reader for GNU (incremental 'D', 'L'/'K') and POSIX/pax archives. Behaves like
// `tar --ignore-zeros`: zero blocks are skipped, so concatenated archives are read through.
import { integrityError, notSupportedError } from '../../base/errors.js';
import { ByteSource } from './byte-source.js';
import { decodeDumpdir, type DumpdirEntry } from './dumpdir.js';
import { BLOCK_SIZE, decodeHeader, isZeroBlock, paddedSize, type DecodedHeader, type HeaderMagic } from './header.js';
import { paxNumber, parsePax, paxString, type PaxRecords } from './pax.js';

export interface TarEntryHeader {
  /** Full name (long-name entries and pax `path` resolved), as stored: `./a/b`, dirs end in `/`. */
  name: string;
  /** Hard-link target or symlink target (long-link entries and pax `linkpath` resolved). */
  linkname: string;
  /** Typeflag; a POSIX directory carrying GNU.dumpdir is reported as 'D'. */
  type: string;
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  /** Bytes of member data (0 for links, FIFOs, devices). */
  size: number;
  mtime: number;
  atime?: number;
  ctime?: number;
  devmajor: number;
  devminor: number;
  /** Parsed dumpdir of a 'D' member. */
  dumpdir?: DumpdirEntry[];
  magic: HeaderMagic;
  /** Archive offset of the member's header block. */
  offset: number;
}

export interface TarEntry {
  header: TarEntryHeader;
  /** The member data; read it (or not) before asking for the next entry. */
  body: AsyncIterable<Buffer>;
  /** Discards whatever of the data was not read. */
  skip(): Promise<void>;
}

// Types that never carry data whatever their size field says.
const NO_DATA_TYPES = new Set(['1', '2', '3', '4', '6']);
const MAX_META_SIZE = 1 << 30;

interface Pending {
  longName?: string;
  longLink?: string;
  pax?: PaxRecords;
}

export async function* readTar(source: AsyncIterable<Buffer>): AsyncGenerator<TarEntry, void, undefined> {
  const src = new ByteSource(source);
  const globalPax: PaxRecords = new Map();
  let pending: Pending = {};
  try {
    for (;;) {
      const offset = src.offset;
      const block = await src.readExact(BLOCK_SIZE, 'a header');
      if (!block) return;
      if (isZeroBlock(block)) continue;
      const raw = decodeAt(block, offset);
      if (await readMetaEntry(src, raw, offset, pending, globalPax)) continue;
      const entry = await buildEntry(src, raw, offset, pending, globalPax);
      pending = {};
      yield entry.entry;
      await entry.finish();
    }
  } finally {
    await src.close();
  }
}

function decodeAt(block: Buffer, offset: number): DecodedHeader {
  try {
    return decodeHeader(block);
  } catch (err) {
    throw integrityError(`corrupt tar header at offset ${offset}: ${(err as Error).message}`, err);
  }
}

async function readData(src: ByteSource, size: number, what: string): Promise<Buffer> {
  if (size > MAX_META_SIZE) throw integrityError(`${what} of ${size} bytes is implausibly large at offset ${src.offset}`);
  const data = size === 0 ? Buffer.alloc(0) : ((await src.readExact(size, what)) ?? Buffer.alloc(0));
  if (data.length !== size) throw src.truncated(what);
  await src.skip(paddedSize(size) - size, what);
  return data;
}

function cString(data: Buffer): string {
  const nul = data.indexOf(0);
  return data.toString('utf8', 0, nul === -1 ? data.length : nul);
}

/** Handles entries that only describe the next member; true when `raw` was one of them. */
async function readMetaEntry(
  src: ByteSource,
  raw: DecodedHeader,
  offset: number,
  pending: Pending,
  globalPax: PaxRecords,
): Promise<boolean> {
  switch (raw.typeflag) {
    case 'L':
      pending.longName = cString(await readData(src, raw.size, 'a long name'));
      return true;
    case 'K':
      pending.longLink = cString(await readData(src, raw.size, 'a long link name'));
      return true;
    case 'x':
      pending.pax = parsePax(await readData(src, raw.size, 'a pax header'), offset);
      return true;
    case 'g':
      for (const [k, v] of parsePax(await readData(src, raw.size, 'a pax global header'), offset)) globalPax.set(k, v);
      return true;
    case 'V':
      await src.skip(paddedSize(raw.size), 'a volume label');
      return true;
    case 'S':
      throw notSupportedError(
        `old GNU sparse member "${raw.name}" at offset ${offset} is not supported (archive written with tar --sparse)`,
      );
    case 'M':
      throw notSupportedError(`multi-volume continuation member "${raw.name}" at offset ${offset} is not supported`);
    case 'N':
      throw notSupportedError(`old GNU long-name member at offset ${offset} is not supported`);
    default:
      return false;
  }
}

async function buildEntry(src: ByteSource, raw: DecodedHeader, offset: number, pending: Pending, globalPax: PaxRecords) {
  const pax = new Map([...globalPax, ...(pending.pax ?? [])]);
  if ([...pax.keys()].some((k) => k.startsWith('GNU.sparse.'))) {
    throw notSupportedError(`pax sparse member "${raw.name}" at offset ${offset} is not supported`);
  }
  const header = entryHeader(raw, offset, pending, pax);
  const dataSize = NO_DATA_TYPES.has(raw.typeflag) ? 0 : header.size;
  const dumpdirPax = pax.get('GNU.dumpdir');
  if (raw.typeflag === 'D' && raw.magic === 'gnu') {
    header.dumpdir = decodeDumpdir(await readData(src, dataSize, 'a dumpdir'));
    return { entry: emptyEntry(header), finish: async () => undefined };
  }
  // GNU tar honours 'D' only with the GNU magic; otherwise it is a plain directory.
  if (raw.typeflag === 'D') header.type = '5';
  if (dumpdirPax && raw.typeflag === '5') {
    header.type = 'D';
    header.dumpdir = decodeDumpdir(dumpdirPax);
  }
  return dataEntry(src, header, dataSize);
}

function entryHeader(raw: DecodedHeader, offset: number, pending: Pending, pax: PaxRecords): TarEntryHeader {
  return {
    name: paxString(pax, 'path') ?? pending.longName ?? raw.name,
    linkname: paxString(pax, 'linkpath') ?? pending.longLink ?? raw.linkname,
    type: raw.typeflag,
    mode: raw.mode,
    uid: paxNumber(pax, 'uid', offset) ?? raw.uid,
    gid: paxNumber(pax, 'gid', offset) ?? raw.gid,
    uname: paxString(pax, 'uname') ?? raw.uname,
    gname: paxString(pax, 'gname') ?? raw.gname,
    size: paxNumber(pax, 'size', offset) ?? raw.size,
    mtime: paxNumber(pax, 'mtime', offset) ?? raw.mtime,
    atime: paxNumber(pax, 'atime', offset) ?? raw.atime,
    ctime: paxNumber(pax, 'ctime', offset) ?? raw.ctime,
    devmajor: raw.devmajor,
    devminor: raw.devminor,
    magic: raw.magic,
    offset,
  };
}

function emptyEntry(header: TarEntryHeader): TarEntry {
  return { header, body: (async function* () {})(), skip: async () => undefined };
}

function dataEntry(src: ByteSource, header: TarEntryHeader, dataSize: number) {
  let remaining = dataSize;
  const body = (async function* () {
    while (remaining > 0) {
      const part = await src.readSome(remaining, `the data of "${header.name}"`);
      remaining -= part.length;
      yield part;
    }
  })();
  const skip = async () => {
    await src.skip(remaining, `the data of "${header.name}"`);
    remaining = 0;
  };
  const finish = async () => {
    await skip();
    await src.skip(paddedSize(dataSize) - dataSize, `the padding of "${header.name}"`);
  };
  return { entry: { header, body, skip }, finish };
}
