// Pure codec for one 512-byte tar header block, byte-compatible with what GNU tar 1.34 writes
// in its GNU format (docs/GNU-TAR.md §2). Reads GNU, POSIX ustar and v7.

export const BLOCK_SIZE = 512;
export const NAME_FIELD_SIZE = 100;
export const LONG_LINK_NAME = '././@LongLink';

export type TypeFlag = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | 'D' | 'L' | 'K' | 'S' | 'x' | 'g' | 'V' | 'M';

export type HeaderMagic = 'gnu' | 'ustar' | 'v7';

export interface HeaderFields {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  /** A TypeFlag when written here; whatever the archive holds when read. */
  typeflag: string;
  linkname?: string;
  uname?: string;
  gname?: string;
  /** Written only for character/block devices (GNU leaves the fields NUL otherwise). */
  devmajor?: number;
  devminor?: number;
  /** GNU format only: filled by GNU tar in incremental mode. */
  atime?: number;
  ctime?: number;
}

export interface DecodedHeader {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname: string;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
  atime?: number;
  ctime?: number;
  magic: HeaderMagic;
}

const GNU_MAGIC = Buffer.from('ustar  \0', 'latin1');
const USTAR_MAGIC = Buffer.from('ustar\x0000', 'latin1');
const ZERO_BLOCK = Buffer.alloc(BLOCK_SIZE);

const F = {
  name: [0, 100],
  mode: [100, 8],
  uid: [108, 8],
  gid: [116, 8],
  size: [124, 12],
  mtime: [136, 12],
  chksum: [148, 8],
  typeflag: [156, 1],
  linkname: [157, 100],
  magic: [257, 8],
  uname: [265, 32],
  gname: [297, 32],
  devmajor: [329, 8],
  devminor: [337, 8],
  atime: [345, 12],
  ctime: [357, 12],
  prefix: [345, 155],
} as const;

export class HeaderFormatError extends Error {}

export function isZeroBlock(block: Buffer, offset = 0): boolean {
  return block.compare(ZERO_BLOCK, 0, BLOCK_SIZE, offset, offset + BLOCK_SIZE) === 0;
}

// 8^(digits) for the octal digits of each field length (a NUL ends the field); computed once.
const OCTAL_LIMITS = Array.from({ length: 13 }, (_, n) => 8 ** Math.max(0, n - 1));
const octalLimit = (length: number) => OCTAL_LIMITS[length] ?? 8 ** (length - 1);

/** Encodes a numeric field as GNU tar does: octal + NUL when it fits, else base-256. */
export function writeNumeric(buf: Buffer, offset: number, length: number, value: number | bigint): void {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value < octalLimit(length)) {
    buf.write(value.toString(8).padStart(length - 1, '0'), offset, length - 1, 'latin1');
    buf[offset + length - 1] = 0;
    return;
  }
  const v = BigInt(value);
  if (v >= 0n && v < 8n ** BigInt(length - 1)) {
    buf.write(v.toString(8).padStart(length - 1, '0'), offset, length - 1, 'latin1');
    buf[offset + length - 1] = 0;
    return;
  }
  writeBase256(buf, offset, length, v);
}

function writeBase256(buf: Buffer, offset: number, length: number, v: bigint): void {
  const bits = BigInt(8 * length);
  const limit = 1n << BigInt(8 * (length - 1));
  if (v >= limit || v < -(1n << (bits - 2n))) {
    throw new HeaderFormatError(`value ${v} does not fit in a ${length}-byte tar field`);
  }
  let rest = v < 0n ? (1n << bits) + v : v;
  for (let i = length - 1; i >= 0; i--) {
    buf[offset + i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  if (v >= 0n) buf[offset] = 0x80;
}

/** Decodes octal (NUL/space terminated, leading spaces allowed) or base-256 numeric fields. */
export function readNumeric(buf: Buffer, offset: number, length: number): number {
  const first = buf[offset];
  if (first & 0x80) return readBase256(buf, offset, length);
  let i = offset;
  const end = offset + length;
  while (i < end && buf[i] === 0x20) i++;
  let value = 0;
  for (; i < end; i++) {
    const c = buf[i];
    if (c === 0 || c === 0x20) break;
    if (c < 0x30 || c > 0x37) throw new HeaderFormatError(`invalid octal digit 0x${c.toString(16)} in a numeric field`);
    value = value * 8 + (c - 0x30);
  }
  return value;
}

function readBase256(buf: Buffer, offset: number, length: number): number {
  const negative = (buf[offset] & 0x40) !== 0;
  let v = BigInt(buf[offset] & (negative ? 0xff : 0x7f));
  for (let i = 1; i < length; i++) v = (v << 8n) | BigInt(buf[offset + i]);
  if (negative) v -= 1n << BigInt(8 * length);
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new HeaderFormatError(`base-256 value ${v} is out of range`);
  }
  return Number(v);
}

function writeString(buf: Buffer, offset: number, length: number, s: string | undefined): void {
  if (!s) return;
  // buf.write() drops a multi-byte character cut by the field end; tar keeps the raw bytes.
  if (Buffer.byteLength(s) <= length) buf.write(s, offset, length, 'utf8');
  else Buffer.from(s).copy(buf, offset, 0, length);
}

function readString(buf: Buffer, offset: number, length: number): string {
  const nul = buf.indexOf(0, offset);
  const end = nul === -1 || nul > offset + length ? offset + length : nul;
  return buf.toString('utf8', offset, end);
}

function headerSum(block: Buffer, offset: number): { unsigned: number; signed: number } {
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK_SIZE; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[offset + i];
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return { unsigned, signed };
}

/**
 * Writes one GNU header into `target` at `offset` (512 bytes, fully overwritten).
 * Name and linkname are cut to 100 bytes, as GNU tar does after emitting an 'L'/'K' entry.
 */
export function encodeHeader(h: HeaderFields, target: Buffer = Buffer.alloc(BLOCK_SIZE), offset = 0): Buffer {
  target.fill(0, offset, offset + BLOCK_SIZE);
  const at = (f: readonly [number, number]) => offset + f[0];
  writeString(target, at(F.name), F.name[1], h.name);
  writeNumeric(target, at(F.mode), F.mode[1], h.mode & 0o7777);
  writeNumeric(target, at(F.uid), F.uid[1], h.uid);
  writeNumeric(target, at(F.gid), F.gid[1], h.gid);
  writeNumeric(target, at(F.size), F.size[1], h.size);
  writeNumeric(target, at(F.mtime), F.mtime[1], h.mtime);
  target.write(h.typeflag, at(F.typeflag), 1, 'latin1');
  writeString(target, at(F.linkname), F.linkname[1], h.linkname);
  GNU_MAGIC.copy(target, at(F.magic));
  writeString(target, at(F.uname), F.uname[1], h.uname);
  writeString(target, at(F.gname), F.gname[1], h.gname);
  if (h.devmajor !== undefined) writeNumeric(target, at(F.devmajor), F.devmajor[1], h.devmajor);
  if (h.devminor !== undefined) writeNumeric(target, at(F.devminor), F.devminor[1], h.devminor);
  if (h.atime !== undefined) writeNumeric(target, at(F.atime), F.atime[1], h.atime);
  if (h.ctime !== undefined) writeNumeric(target, at(F.ctime), F.ctime[1], h.ctime);
  writeChecksum(target, offset);
  return target;
}

/** `%06o\0 ` over the block with the checksum field counted as spaces. */
export function writeChecksum(block: Buffer, offset = 0): void {
  // headerSum().unsigned without the per-byte branches: it runs once per archived member.
  let sum = 8 * 0x20;
  for (let i = offset, end = offset + BLOCK_SIZE; i < end; i++) sum += block[i];
  for (let i = offset + 148; i < offset + 156; i++) sum -= block[i];
  block.write(sum.toString(8).padStart(6, '0'), offset + 148, 6, 'latin1');
  block[offset + 154] = 0;
  block[offset + 155] = 0x20;
}

export function checksumMatches(block: Buffer, offset = 0): boolean {
  let stored: number;
  try {
    stored = readNumeric(block, offset + 148, 8);
  } catch {
    return false;
  }
  const { unsigned, signed } = headerSum(block, offset);
  return stored === unsigned || stored === signed;
}

function detectMagic(block: Buffer, offset: number): HeaderMagic {
  const m = offset + F.magic[0];
  if (block.compare(GNU_MAGIC, 0, 8, m, m + 8) === 0) return 'gnu';
  if (block.compare(USTAR_MAGIC, 0, 6, m, m + 6) === 0) return 'ustar';
  return 'v7';
}

/**
 * Decodes a non-zero header block. Throws HeaderFormatError on a bad checksum or a malformed
 * numeric field; the reader turns that into an integrity error with the archive offset.
 */
export function decodeHeader(block: Buffer, offset = 0): DecodedHeader {
  if (!checksumMatches(block, offset)) throw new HeaderFormatError('bad header checksum');
  const magic = detectMagic(block, offset);
  const at = (f: readonly [number, number]) => offset + f[0];
  const typeChar = block[at(F.typeflag)];
  const h: DecodedHeader = {
    name: readString(block, at(F.name), F.name[1]),
    mode: readNumeric(block, at(F.mode), F.mode[1]) & 0o7777,
    uid: readNumeric(block, at(F.uid), F.uid[1]),
    gid: readNumeric(block, at(F.gid), F.gid[1]),
    size: readNumeric(block, at(F.size), F.size[1]),
    mtime: readNumeric(block, at(F.mtime), F.mtime[1]),
    typeflag: typeChar === 0 ? '0' : String.fromCharCode(typeChar),
    linkname: readString(block, at(F.linkname), F.linkname[1]),
    uname: magic === 'v7' ? '' : readString(block, at(F.uname), F.uname[1]),
    gname: magic === 'v7' ? '' : readString(block, at(F.gname), F.gname[1]),
    devmajor: magic === 'v7' ? 0 : readNumeric(block, at(F.devmajor), F.devmajor[1]),
    devminor: magic === 'v7' ? 0 : readNumeric(block, at(F.devminor), F.devminor[1]),
    magic,
  };
  if (magic === 'gnu') readGnuTimes(block, offset, h);
  if (magic === 'ustar') {
    const prefix = readString(block, at(F.prefix), F.prefix[1]);
    if (prefix) h.name = `${prefix}/${h.name}`;
  }
  return h;
}

function readGnuTimes(block: Buffer, offset: number, h: DecodedHeader): void {
  if (block[offset + F.atime[0]] !== 0) h.atime = readNumeric(block, offset + F.atime[0], F.atime[1]);
  if (block[offset + F.ctime[0]] !== 0) h.ctime = readNumeric(block, offset + F.ctime[0], F.ctime[1]);
}

/** Bytes needed for `size` bytes of member data, padded to whole blocks. */
export function paddedSize(size: number): number {
  return Math.ceil(size / BLOCK_SIZE) * BLOCK_SIZE;
}

/** Bytes a long-name/long-link entry ('L'/'K') takes for a value of this byte length. */
export function longEntryLength(valueBytes: number): number {
  return BLOCK_SIZE + paddedSize(valueBytes + 1);
}

/**
 * Writes a GNU 'L' or 'K' entry (header + value + NUL, padded) the way GNU tar 1.34 does:
 * name `././@LongLink`, mode 0644, ids and mtime 0. Returns the bytes written.
 */
export function encodeLongEntry(
  kind: 'L' | 'K',
  value: Buffer,
  target: Buffer,
  offset: number,
  rootNames?: { uname: string; gname: string },
): number {
  encodeHeader(
    {
      name: LONG_LINK_NAME,
      mode: 0o644,
      uid: 0,
      gid: 0,
      size: value.length + 1,
      mtime: 0,
      typeflag: kind,
      uname: rootNames?.uname,
      gname: rootNames?.gname,
    },
    target,
    offset,
  );
  const dataAt = offset + BLOCK_SIZE;
  const total = longEntryLength(value.length);
  value.copy(target, dataAt);
  target.fill(0, dataAt + value.length, offset + total);
  return total;
}

/** Bytes that `encodeMemberHeader` writes for this header (long entries included). */
export function memberHeaderLength(h: HeaderFields): number {
  const nameBytes = Buffer.byteLength(h.name);
  const linkBytes = h.linkname ? Buffer.byteLength(h.linkname) : 0;
  return (
    BLOCK_SIZE +
    (nameBytes > NAME_FIELD_SIZE ? longEntryLength(nameBytes) : 0) +
    (linkBytes > NAME_FIELD_SIZE ? longEntryLength(linkBytes) : 0)
  );
}

/**
 * Writes the header of one member, preceded by 'K' then 'L' entries when the link target or
 * name exceed 100 bytes (GNU tar's order). Returns the bytes written.
 */
export function encodeMemberHeader(h: HeaderFields, target: Buffer, offset: number, rootNames?: { uname: string; gname: string }): number {
  let at = offset;
  if (h.linkname && Buffer.byteLength(h.linkname) > NAME_FIELD_SIZE) {
    at += encodeLongEntry('K', Buffer.from(h.linkname), target, at, rootNames);
  }
  if (Buffer.byteLength(h.name) > NAME_FIELD_SIZE) {
    at += encodeLongEntry('L', Buffer.from(h.name), target, at, rootNames);
  }
  encodeHeader(h, target, at);
  return at + BLOCK_SIZE - offset;
}
