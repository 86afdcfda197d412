// Deltas of a new file against a signature: Buffer in (job on the pool), path in (read
// natively by fd into an unlinked temp file), file to file (atomic), and as a stream.
import { native } from '../native.js';
import { context, fail } from './errors.js';
import { anonymousTemp, openInput, openOutput, readBack, type Output } from './files.js';
import { checkPath, checkSource, label, type Source } from './inputs.js';
import { collect } from './drive.js';
import { checkSignatureSource, isLoadedSignature, loadSignature, signatureLabel, type SignatureSource } from './load.js';
import { resolveWriteOptions, type WriteOptions } from './options.js';
import type { RsyncFileResult } from './signature.js';
import { RsyncTransform } from './transform.js';

export async function delta(sig: SignatureSource, newFile: Source): Promise<Buffer> {
  const ctx = context();
  checkSignatureSource('signature', sig);
  checkSource('newFile', newFile);
  const loaded = await loadSignature(sig);
  const what = `delta of ${label('new file', newFile)} against ${signatureLabel(sig)}`;
  if (Buffer.isBuffer(newFile)) {
    try {
      return await collect(new native.DeltaJob(loaded), newFile);
    } catch (err) {
      throw fail(ctx, what, err);
    }
  }
  const input = await openInput(newFile, `new file ${newFile}`);
  try {
    const tmp = await anonymousTemp();
    try {
      const { outBytes } = await native.deltaFile(loaded, input.fd, tmp.fd);
      return await readBack(tmp, outBytes);
    } finally {
      await tmp.close();
    }
  } catch (err) {
    throw fail(ctx, what, err, newFile);
  } finally {
    await input.close();
  }
}

export async function deltaToFile(sig: SignatureSource, newPath: string, deltaPath: string, opts?: WriteOptions): Promise<RsyncFileResult> {
  const ctx = context();
  checkSignatureSource('signature', sig);
  checkPath('newPath', newPath);
  checkPath('deltaPath', deltaPath);
  const { overwrite } = resolveWriteOptions(opts);
  const loaded = await loadSignature(sig);
  const input = await openInput(newPath, `new file ${newPath}`);
  let out: Output | undefined;
  try {
    out = await openOutput(deltaPath, overwrite);
    const result = await native.deltaFile(loaded, input.fd, out.fd, undefined, out.durable);
    await out.commit();
    return result;
  } catch (err) {
    await out?.abort();
    throw fail(ctx, `delta of new file ${newPath} against ${signatureLabel(sig)} into ${deltaPath}`, err, newPath);
  } finally {
    await input.close();
  }
}

export function createDeltaStream(sig: SignatureSource): RsyncTransform {
  const ctx = context();
  checkSignatureSource('signature', sig);
  const what = `delta stream against ${signatureLabel(sig)}`;
  if (isLoadedSignature(sig)) {
    try {
      return new RsyncTransform({ job: new native.DeltaJob(sig) }, what, ctx);
    } catch (err) {
      throw fail(ctx, what, err);
    }
  }
  // Loading is async: the stream takes writes at once and starts when the signature is ready.
  return new RsyncTransform({ job: loadSignature(sig).then((s) => new native.DeltaJob(s)) }, what, ctx);
}
