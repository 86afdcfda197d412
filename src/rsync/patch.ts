// New files rebuilt from a basis and a delta. The basis needs random access: a Buffer, or a
// file read natively with pread through its fd (a pipe or FIFO is copied to a temporary
// file first: basis.ts). The delta is a Buffer, a file, or a stream.
import type { FdFile } from './fd-file.js';
import { native, type NativeRsyncJob } from '../native.js';
import { context, fail } from './errors.js';
import { openBasis } from './basis.js';
import { anonymousTemp, openInput, openOutput, readBack, readChunks, type Output } from './files.js';
import { checkPath, checkSource, label, type Source } from './inputs.js';
import { collect } from './drive.js';
import { resolveWriteOptions, type WriteOptions } from './options.js';
import type { RsyncFileResult } from './signature.js';
import { RsyncTransform } from './transform.js';

export async function patch(basis: Source, delta: Source): Promise<Buffer> {
  const ctx = context();
  checkSource('basis', basis);
  checkSource('delta', delta);
  const what = `patch of ${label('basis', basis)} with ${label('delta', delta)}`;
  const opened: Array<{ close(): Promise<void> }> = [];
  try {
    if (typeof basis === 'string' && typeof delta === 'string') {
      const b = await openBasis(basis);
      opened.push(b);
      const d = await openInput(delta, `delta ${delta}`);
      opened.push(d);
      const tmp = await anonymousTemp();
      opened.push(tmp);
      const { outBytes } = await native.patchFile(b.fd, d.fd, tmp.fd);
      return await readBack(tmp, outBytes);
    }
    let job: NativeRsyncJob;
    if (Buffer.isBuffer(basis)) {
      job = new native.PatchJob(basis);
    } else {
      const b = await openBasis(basis);
      opened.push(b);
      job = new native.PatchJob(b.fd);
    }
    if (Buffer.isBuffer(delta)) return await collect(job, delta);
    const d = await openInput(delta, `delta ${delta}`);
    opened.push(d);
    return await collect(job, readChunks(d));
  } catch (err) {
    throw fail(ctx, what, err);
  } finally {
    for (const fh of opened.reverse()) await fh.close();
  }
}

export async function patchToFile(basisPath: string, deltaPath: string, outPath: string, opts?: WriteOptions): Promise<RsyncFileResult> {
  const ctx = context();
  checkPath('basisPath', basisPath);
  checkPath('deltaPath', deltaPath);
  checkPath('outPath', outPath);
  const { overwrite } = resolveWriteOptions(opts);
  const basis = await openBasis(basisPath);
  let d: FdFile | undefined;
  let out: Output | undefined;
  try {
    d = await openInput(deltaPath, `delta ${deltaPath}`);
    // Written beside the target and renamed: patching a file onto itself is safe.
    out = await openOutput(outPath, overwrite);
    const result = await native.patchFile(basis.fd, d.fd, out.fd, out.durable);
    await out.commit();
    return result;
  } catch (err) {
    await out?.abort();
    throw fail(ctx, `patch of basis ${basisPath} with delta ${deltaPath} into ${outPath}`, err);
  } finally {
    await d?.close();
    await basis.close();
  }
}

export function createPatchStream(basis: Source): RsyncTransform {
  const ctx = context();
  checkSource('basis', basis);
  const what = `patch stream on ${label('basis', basis)}`;
  if (Buffer.isBuffer(basis)) {
    try {
      return new RsyncTransform({ job: new native.PatchJob(basis) }, what, ctx);
    } catch (err) {
      throw fail(ctx, what, err);
    }
  }
  // The fd stays open for the job's preads and is closed once the stream is done with it.
  const opening = openBasis(basis);
  opening.catch(() => undefined);
  return new RsyncTransform(
    {
      job: opening.then((b) => new native.PatchJob(b.fd)),
      cleanup: () =>
        opening.then(
          (b) => b.close(),
          () => undefined,
        ),
    },
    what,
    ctx,
  );
}
