// The rsync engine's hook into the tar writer: every regular file stored gets a fresh
// librsync signature, and a file the previous level has a signature for is stored as a delta
// against it ('E' member) when that is smaller than the file. Signatures and deltas are made
// natively from file descriptors (big files never pass through JS) into unlinked temp files.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { native, NativeRsyncSignature, RsyncMagic } from '../../native.js';
import { sourceError } from '../../base/errors.js';
import type { RegularFileHook, StoredContent } from '../tar/file-hook.js';

import { DELTA_TYPEFLAG } from '../tar/extract.js';

export { DELTA_TYPEFLAG };
export const SIGNATURE_MAGIC: RsyncMagic = 'rk-blake2';
/** rdiff's minimum strong-sum length for the file's size (collision-safe, smallest). */
const STRONG_LENGTH_MIN = -1;

export interface DeltaHookStats {
  deltas: number;
  deltaBytes: number;
  whole: number;
}

interface Taken {
  abs: string;
  /** ctime and size when the signature was taken: any later change invalidates it. */
  ctimeNs: bigint;
  size: bigint;
}

export class DeltaHook implements RegularFileHook {
  readonly signatures = new Map<string, Buffer>();
  private readonly taken = new Map<string, Taken>();
  readonly stats: DeltaHookStats = { deltas: 0, deltaBytes: 0, whole: 0 };
  private readonly tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-rsync-'));
  private counter = 0;

  constructor(private readonly previous: Map<string, Buffer>, private readonly blockLength: number) {}

  async replace(name: string, abs: string, size: number): Promise<StoredContent | null> {
    const st = fs.lstatSync(abs, { bigint: true });
    this.taken.set(name, { abs, ctimeNs: st.ctimeNs, size: st.size });
    this.signatures.set(name, await this.signatureOf(name, abs));
    const previous = this.previous.get(name);
    if (!previous) { this.stats.whole++; return null; }
    const delta = await this.deltaOf(name, abs, await native.loadSignature(previous));
    const deltaSize = fs.fstatSync(delta).size;
    if (deltaSize >= size) { fs.closeSync(delta); this.stats.whole++; return null; }
    this.stats.deltas++;
    this.stats.deltaBytes += deltaSize;
    return { typeflag: DELTA_TYPEFLAG, fd: delta, size: deltaSize };
  }

  stored(_name: string, content: StoredContent): void {
    fs.closeSync(content.fd);
  }

  /**
   * A file written to after its signature was taken (while the backup ran) may not match
   * what was stored; its signature is dropped so the next level stores it whole. Returns
   * the names dropped.
   */
  dropChanged(): string[] {
    const dropped: string[] = [];
    for (const [name, t] of this.taken) {
      const st = fs.lstatSync(t.abs, { bigint: true, throwIfNoEntry: false });
      if (st && st.ctimeNs === t.ctimeNs && st.size === t.size) continue;
      this.signatures.delete(name);
      dropped.push(name);
    }
    return dropped;
  }

  close(): void {
    fs.rmSync(this.tmpDir, { recursive: true, force: true });
  }

  private tempFd(): number {
    const p = path.join(this.tmpDir, String(this.counter++));
    const fd = fs.openSync(p, 'wx+', 0o600);
    fs.unlinkSync(p);
    return fd;
  }

  private async signatureOf(name: string, abs: string): Promise<Buffer> {
    const out = this.tempFd();
    try {
      await withInput(name, abs, (fd) => native.signatureFile(fd, out, this.blockLength, STRONG_LENGTH_MIN, SIGNATURE_MAGIC));
      const sig = Buffer.allocUnsafe(fs.fstatSync(out).size);
      fs.readSync(out, sig, 0, sig.length, 0);
      return sig;
    } finally {
      fs.closeSync(out);
    }
  }

  private async deltaOf(name: string, abs: string, sig: NativeRsyncSignature): Promise<number> {
    try {
      return await this.deltaInto(name, abs, sig);
    } catch (err) {
      // A big file is scanned in ranges, then its literal bytes are read again; one that
      // shrank in between is read once more in a single pass, as it is now.
      if (!isShrunkDuringDelta(err)) throw err;
      return await this.deltaInto(name, abs, sig, 1);
    }
  }

  private async deltaInto(name: string, abs: string, sig: NativeRsyncSignature, threads?: number): Promise<number> {
    const out = this.tempFd();
    try {
      await withInput(name, abs, (fd) => native.deltaFile(sig, fd, out, undefined, false, threads));
      return out;
    } catch (err) {
      fs.closeSync(out);
      throw err;
    }
  }
}

function isShrunkDuringDelta(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown };
  return e?.code === 'ERR_IO' && typeof e.message === 'string' && e.message.includes('shrank while its delta');
}

/** A separate descriptor per native job: each reads the file from its own offset 0. */
async function withInput<T>(name: string, abs: string, job: (fd: number) => Promise<T>): Promise<T> {
  let fd: number;
  try {
    fd = fs.openSync(abs, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch (err) {
    throw sourceError(`cannot read ${name}: ${(err as Error).message}`, err);
  }
  try {
    return await job(fd);
  } finally {
    fs.closeSync(fd);
  }
}
