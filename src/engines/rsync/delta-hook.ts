// The rsync engine's hook into the tar writer: every regular file stored gets a fresh
// librsync signature, and a file the previous level has a signature for is stored as a delta
// against it ('E' member) when that is smaller than the file. Signatures and deltas are made
// by the diff library's fd forms (src/rsync/fds.ts), natively from the descriptors opened
// here (big files never pass through JS) into unlinked temp files, opened synchronously: a
// round trip to the pool per open costs more than the open itself, on every file. A file with
// no previous signature is stored whole, so it takes the tar writer's native fast path, which
// signs it from the very bytes it archives (`signed`): one read, no per-file round trip.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deltaToFd, signatureToFd, type RsyncSignature, type SignatureOptions } from '../../rsync/index.js';
import { sourceError } from '../../base/errors.js';
import type { RegularFileHook, SignedFiles, StoredContent } from '../tar/file-hook.js';
import { DELTA_TYPEFLAG } from './delta-member.js';

export const SIGNATURE_MAGIC: RsyncSignature['magic'] = 'rk-blake2';
/** SIGNATURE_MAGIC's sums, and rdiff's minimum strong-sum length for the file's size (collision-safe, smallest). */
const SIGNATURE_OPTIONS: SignatureOptions = { rollsum: 'rabinkarp', hash: 'blake2', strongLength: -1 };

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
  /** Stored whole by the native fast path, changed while it read them. */
  private readonly changedWhileSigned: string[] = [];
  readonly signed: SignedFiles;

  constructor(
    private readonly previous: Map<string, Buffer>,
    private readonly blockLength: number,
  ) {
    this.signed = {
      params: { magic: SIGNATURE_MAGIC, blockLength, strongLength: SIGNATURE_OPTIONS.strongLength! },
      wantsReplace: (name) => previous.has(name),
      signature: (name, signature) => {
        this.signatures.set(name, signature);
        this.stats.whole++;
      },
      changed: (name) => {
        this.changedWhileSigned.push(name);
        this.stats.whole++;
      },
    };
  }

  async replace(name: string, abs: string, size: number): Promise<StoredContent | null> {
    const st = fs.lstatSync(abs, { bigint: true });
    this.taken.set(name, { abs, ctimeNs: st.ctimeNs, size: st.size });
    this.signatures.set(name, await this.signatureOf(name, abs));
    const previous = this.previous.get(name);
    if (!previous) {
      this.stats.whole++;
      return null;
    }
    const delta = await this.deltaOf(name, abs, previous);
    if (delta.size >= size) {
      fs.closeSync(delta.fd);
      this.stats.whole++;
      return null;
    }
    this.stats.deltas++;
    this.stats.deltaBytes += delta.size;
    return { typeflag: DELTA_TYPEFLAG, fd: delta.fd, size: delta.size };
  }

  stored(_name: string, content: StoredContent): void {
    fs.closeSync(content.fd);
  }

  /**
   * A file written to after its signature was taken (while the backup ran) may not match
   * what was stored; its signature is dropped so the next level stores it whole. Returns
   * the names dropped, with those the fast path saw change while it read them. (A signature
   * the fast path made is of the bytes stored, so a later change does not matter.)
   */
  dropChanged(): string[] {
    const dropped: string[] = [...this.changedWhileSigned];
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
      const { outBytes } = await withInput(name, abs, (fd) =>
        signatureToFd(fd, out, { ...SIGNATURE_OPTIONS, blockLength: this.blockLength }),
      );
      const sig = Buffer.allocUnsafe(outBytes);
      fs.readSync(out, sig, 0, sig.length, 0);
      return sig;
    } finally {
      fs.closeSync(out);
    }
  }

  private async deltaOf(name: string, abs: string, sig: Buffer): Promise<Delta> {
    try {
      return await this.deltaInto(name, abs, sig);
    } catch (err) {
      // A big file is scanned in ranges, then its literal bytes are read again; one that
      // shrank in between is read once more in a single pass, as it is now.
      if (!isShrunkDuringDelta(err)) throw err;
      return await this.deltaInto(name, abs, sig, 1);
    }
  }

  private async deltaInto(name: string, abs: string, sig: Buffer, threads?: number): Promise<Delta> {
    const out = this.tempFd();
    try {
      const { outBytes } = await withInput(name, abs, (fd) => deltaToFd(sig, fd, out, threads === undefined ? undefined : { threads }));
      return { fd: out, size: outBytes };
    } catch (err) {
      fs.closeSync(out);
      throw err;
    }
  }
}

/** A delta in an unlinked temp file, written from offset 0. */
interface Delta {
  fd: number;
  size: number;
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
