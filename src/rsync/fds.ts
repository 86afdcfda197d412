// The three operations on file descriptors the caller opened (and closes): for a program that
// opens its files its own way (O_NOFOLLOW, O_EXCL, a temp file it owns) and still wants the
// native fd-to-fd jobs. Nothing is opened by name here and no fd passed in is closed.
import { native } from '../native.js';
import { openBasisFd } from './basis.js';
import { context, fail, invalidParameterError } from './errors.js';
import { FdSink } from './fd-file.js';
import { checkDeltaInput, checkFd, type DeltaInput } from './inputs.js';
import { drainTo } from './drive.js';
import { checkSignatureSource, loadSignatureIn, signatureLabel, type SignatureSource } from './load.js';
import { resolveFdDeltaOptions, resolveSignatureOptions, type FdDeltaOptions, type SignatureOptions } from './options.js';
import type { RsyncFileResult } from './signature.js';

export async function signatureToFd(fd: number, outFd: number, opts?: SignatureOptions): Promise<RsyncFileResult> {
  const ctx = context();
  checkFd('fd', fd);
  checkFd('outFd', outFd);
  const o = resolveSignatureOptions(opts);
  try {
    return await native.signatureFile(fd, outFd, o.blockLength, o.strongLength, o.magic);
  } catch (err) {
    throw fail(ctx, `signature of basis fd ${fd} into fd ${outFd}`, err);
  }
}

export async function deltaToFd(sig: SignatureSource, newFd: number, outFd: number, opts?: FdDeltaOptions): Promise<RsyncFileResult> {
  const ctx = context();
  checkSignatureSource('signature', sig);
  checkFd('newFd', newFd);
  checkFd('outFd', outFd);
  const { threads } = resolveFdDeltaOptions(opts);
  const loaded = await loadSignatureIn(ctx, sig);
  try {
    return await native.deltaFile(loaded, newFd, outFd, undefined, false, threads);
  } catch (err) {
    throw fail(ctx, `delta of new file fd ${newFd} against ${signatureLabel(sig)} into fd ${outFd}`, err);
  }
}

export async function patchToFd(basisFd: number, delta: DeltaInput, outFd: number): Promise<RsyncFileResult> {
  const ctx = context();
  checkFd('basisFd', basisFd);
  checkDeltaInput('delta', delta);
  checkFd('outFd', outFd);
  const what = `patch of basis fd ${basisFd} with delta ${Buffer.isBuffer(delta) ? `(Buffer of ${delta.length} bytes)` : '(stream)'} into fd ${outFd}`;
  const input = Buffer.isBuffer(delta) ? null : new Tracked(delta);
  try {
    const out = new FdSink(outFd);
    const basis = await openBasisFd(basisFd);
    try {
      await drainTo(new native.PatchJob(basis.fd), input ? input.chunks() : (delta as Buffer), out);
    } finally {
      await basis.close();
    }
    return { inBytes: input ? input.bytes : (delta as Buffer).length, outBytes: out.written };
  } catch (err) {
    if (input?.failed(err)) throw err;
    throw fail(ctx, what, err);
  }
}

/**
 * The delta's chunks, counted and checked; remembers a failure of the source itself, which
 * reaches the caller as it is (it is the caller's error, not the patch's).
 */
class Tracked {
  bytes = 0;
  private error: { value: unknown } | null = null;

  constructor(private readonly source: AsyncIterable<Buffer>) {}

  async *chunks(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of this.source) {
        if (!Buffer.isBuffer(chunk)) throw invalidParameterError('a chunk of delta', 'a Buffer', chunk, 'type');
        this.bytes += chunk.length;
        yield chunk;
      }
    } catch (err) {
      this.error = { value: err };
      throw err;
    }
  }

  failed(err: unknown): boolean {
    return this.error !== null && this.error.value === err;
  }
}
