// engine_metadata of the rsync engine: the GNU tar snapshot of the level (which files changed)
// plus the librsync signature of every regular file (what the next level's deltas are made
// against). Layout in docs/FORMAT.md §5.
import { integrityError } from '../../base/errors.js';

const MAGIC = Buffer.from('PFRSYNC1');

export interface RsyncManifest {
  blockLength: number;
  magic: string;
  /** GNU tar snapshot file (format 2) of this level. */
  snapshot: Buffer;
  /** Archive name (`./a/b`) → rdiff signature file bytes. */
  signatures: Map<string, Buffer>;
}

export function serializeManifest(m: RsyncManifest): Buffer {
  const header = Buffer.from(
    JSON.stringify({ block_length: m.blockLength, magic: m.magic, files: m.signatures.size, snapshot_size: m.snapshot.length }),
  );
  const files = [...m.signatures].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  // One buffer written in place: tens of thousands of files made as many small Buffers.
  let size = MAGIC.length + 4 + header.length + m.snapshot.length;
  for (const [name, sig] of files) size += 8 + Buffer.byteLength(name, 'utf8') + sig.length;
  const out = Buffer.allocUnsafe(size);
  let at = MAGIC.copy(out, 0);
  at = out.writeUInt32BE(header.length, at);
  at += header.copy(out, at);
  at += m.snapshot.copy(out, at);
  for (const [name, sig] of files) {
    const n = out.write(name, at + 4, 'utf8');
    out.writeUInt32BE(n, at);
    at += 4 + n;
    at = out.writeUInt32BE(sig.length, at);
    at += sig.copy(out, at);
  }
  return out;
}

export function parseManifest(buf: Buffer, what: string): RsyncManifest {
  let at = 0;
  const need = (n: number) => {
    if (at + n > buf.length) throw integrityError(`${what}: truncated rsync manifest at byte ${at}`);
    const slice = buf.subarray(at, at + n);
    at += n;
    return slice;
  };
  if (!need(8).equals(MAGIC)) throw integrityError(`${what}: not a permafrost rsync manifest (bad magic)`);
  let header: { block_length: number; magic: string; files: number; snapshot_size: number };
  try {
    header = JSON.parse(need(need(4).readUInt32BE(0)).toString('utf8')) as typeof header;
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_INTEGRITY') throw err;
    throw integrityError(`${what}: malformed rsync manifest header`);
  }
  const snapshot = Buffer.from(need(header.snapshot_size));
  const signatures = new Map<string, Buffer>();
  for (let i = 0; i < header.files; i++) {
    const name = need(need(4).readUInt32BE(0)).toString('utf8');
    signatures.set(name, Buffer.from(need(need(4).readUInt32BE(0))));
  }
  if (at !== buf.length) throw integrityError(`${what}: ${buf.length - at} unexpected bytes after the rsync manifest`);
  return { blockLength: header.block_length, magic: header.magic, snapshot, signatures };
}
