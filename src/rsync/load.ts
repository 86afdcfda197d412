// Signatures parsed once, off the JS heap, for any number of deltas.
import { native, type NativeRsyncSignature } from '../native.js';
import { context, fail, invalidParameterError, type RsyncError } from './errors.js';
import { label, type Source } from './inputs.js';
import { fsCalls as fs } from './fd-file.js';

/** A parsed signature from `loadSignature` (frozen; the block sums live in native memory). */
export type RsyncSignature = NativeRsyncSignature;

/** What the delta forms take as a signature: its bytes, its file, or one already loaded. */
export type SignatureSource = Source | RsyncSignature;

export function isLoadedSignature(value: unknown): value is RsyncSignature {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Buffer.isBuffer(value) &&
    typeof (value as RsyncSignature).magic === 'string' &&
    typeof (value as RsyncSignature).blockCount === 'number'
  );
}

export function checkSignatureSource(name: string, value: unknown): asserts value is SignatureSource {
  if (Buffer.isBuffer(value) || isLoadedSignature(value)) return;
  if (typeof value === 'string' && value.length > 0) return;
  throw invalidParameterError(
    name,
    'a Buffer, a file path or a signature from loadSignature()',
    value,
    typeof value === 'string' ? 'range' : 'type',
  );
}

export function signatureLabel(value: SignatureSource): string {
  return isLoadedSignature(value) ? `signature (loaded, ${value.blockCount} blocks)` : label('signature', value);
}

export async function loadSignature(sig: SignatureSource): Promise<RsyncSignature> {
  const ctx = context();
  checkSignatureSource('signature', sig);
  return loadSignatureIn(ctx, sig);
}

/**
 * loadSignature for a form that captured its caller's stack already (`ctx`, thrown on
 * failure): each capture costs 20-40 µs, a good part of the delta of a small file.
 */
export async function loadSignatureIn(ctx: RsyncError, sig: SignatureSource): Promise<RsyncSignature> {
  if (isLoadedSignature(sig)) return sig;
  let bytes: Buffer;
  if (Buffer.isBuffer(sig)) {
    bytes = sig;
  } else {
    // Signatures are small (about 0.15% of the basis by default) and parsed whole anyway.
    try {
      bytes = await fs.readFile(sig);
    } catch (err) {
      throw fail(ctx, `cannot read signature ${sig}`, err, sig);
    }
  }
  try {
    return await native.loadSignature(bytes);
  } catch (err) {
    throw fail(ctx, `${label('signature', sig)} is unusable`, err, typeof sig === 'string' ? sig : undefined);
  }
}
