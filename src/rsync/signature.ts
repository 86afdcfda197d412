// Signatures of a basis: from a Buffer (job on the pool), from a path (read natively by fd,
// written to an unlinked temp file, read back), file to file (atomic), and as a stream.
import { native } from '../native.js';
import { context, fail } from './errors.js';
import { anonymousTemp, openInput, openOutput, readBack, type Output } from './files.js';
import { checkPath, checkSource, label, type Source } from './inputs.js';
import { collect } from './drive.js';
import {
  resolveSignatureOptions,
  resolveSignatureStreamOptions,
  resolveSignatureWriteOptions,
  type SignatureOptions,
  type SignatureStreamOptions,
  type WriteOptions,
} from './options.js';
import { RsyncTransform } from './transform.js';

/** Bytes read and written by a file-to-file operation. */
export interface RsyncFileResult {
  inBytes: number;
  outBytes: number;
}

export async function signature(basis: Source, opts?: SignatureOptions): Promise<Buffer> {
  const ctx = context();
  checkSource('basis', basis);
  const o = resolveSignatureOptions(opts);
  const what = `signature of ${label('basis', basis)}`;
  if (Buffer.isBuffer(basis)) {
    try {
      return await collect(new native.SignatureJob(o.blockLength, o.strongLength, o.magic, basis.length), basis);
    } catch (err) {
      throw fail(ctx, what, err);
    }
  }
  const input = await openInput(basis, `basis ${basis}`);
  try {
    const tmp = await anonymousTemp();
    try {
      const { outBytes } = await native.signatureFile(input.fd, tmp.fd, o.blockLength, o.strongLength, o.magic);
      return await readBack(tmp, outBytes);
    } finally {
      await tmp.close();
    }
  } catch (err) {
    throw fail(ctx, what, err, basis);
  } finally {
    await input.close();
  }
}

export async function signatureToFile(
  basisPath: string,
  signaturePath: string,
  opts?: SignatureOptions & WriteOptions,
): Promise<RsyncFileResult> {
  const ctx = context();
  checkPath('basisPath', basisPath);
  checkPath('signaturePath', signaturePath);
  const o = resolveSignatureWriteOptions(opts);
  const input = await openInput(basisPath, `basis ${basisPath}`);
  let out: Output | undefined;
  try {
    out = await openOutput(signaturePath, o.overwrite);
    const result = await native.signatureFile(input.fd, out.fd, o.blockLength, o.strongLength, o.magic);
    await out.commit();
    return result;
  } catch (err) {
    await out?.abort();
    throw fail(ctx, `signature of basis ${basisPath} into ${signaturePath}`, err, basisPath);
  } finally {
    await input.close();
  }
}

export function createSignatureStream(opts?: SignatureStreamOptions): RsyncTransform {
  const ctx = context();
  const o = resolveSignatureStreamOptions(opts);
  const what = 'signature stream';
  try {
    return new RsyncTransform({ job: new native.SignatureJob(o.blockLength, o.strongLength, o.magic, o.size) }, what, ctx);
  } catch (err) {
    throw fail(ctx, what, err);
  }
}
