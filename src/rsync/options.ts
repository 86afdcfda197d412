// Signature options named after rdiff's (-b/--block-size, -S/--sum-size, -H/--hash,
// -R/--rollsum), checked in a fixed order: defaults, types, interpretation, cross-checks.
// The numbers passed on keep rdiff's conventions (0 = recommended/maximum, -1 = minimum);
// the native side resolves them against the file size, as rs_sig_args does.
import type { RsyncMagic } from '../native.js';
import { invalidParameterError } from './errors.js';

export type RsyncHash = 'blake2' | 'md4';
export type RsyncRollsum = 'rabinkarp' | 'rollsum';

/** Signature options; all optional, defaults are rdiff 2.3.2's. */
export interface SignatureOptions {
  /**
   * Bytes per block (`rdiff -b`). Default (or 0): 256 for files up to 64 KiB, else the
   * square root of the size rounded down to a multiple of 128; 2048 when the size is
   * unknown (a stream or a pipe). 1..2^30.
   */
  blockLength?: number;
  /**
   * Strong-sum bytes kept per block (`rdiff -S`). Default (or 0): the maximum, 32 for
   * BLAKE2 and 16 for MD4; -1: rdiff's minimum for the file size.
   */
  strongLength?: number;
  /** Strong sum (`rdiff -H`): 'blake2' (BLAKE2b-256, default) or 'md4'. */
  hash?: RsyncHash;
  /** Weak rolling sum (`rdiff -R`): 'rabinkarp' (default) or 'rollsum' (rsync's). */
  rollsum?: RsyncRollsum;
}

/** Stream form only: the input's size when known, for rdiff's size-based defaults. */
export interface SignatureStreamOptions extends SignatureOptions {
  /** Bytes the stream will carry; without it the defaults are rdiff's for a pipe. */
  size?: number;
}

/** File-writing forms: replace an existing output (default) or fail with EEXIST. */
export interface WriteOptions {
  overwrite?: boolean;
}

export interface ResolvedSignatureOptions {
  magic: RsyncMagic;
  /** 0 = the native side's recommendation for the size. */
  blockLength: number;
  /** 0 = the magic's maximum, -1 = rdiff's minimum. */
  strongLength: number;
}

export const MAX_BLOCK_LENGTH = 2 ** 30;
const MAX_STRONG_LENGTH: Record<RsyncHash, number> = { blake2: 32, md4: 16 };
const HASHES: readonly RsyncHash[] = ['blake2', 'md4'];
const ROLLSUMS: readonly RsyncRollsum[] = ['rabinkarp', 'rollsum'];
const SIGNATURE_KEYS = ['blockLength', 'strongLength', 'hash', 'rollsum'];

function checkObject(name: string, value: unknown, keys: readonly string[]): Record<string, unknown> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidParameterError(name, 'an object', value, 'type');
  }
  for (const key of Object.keys(value)) {
    if (!keys.includes(key)) throw invalidParameterError(`${name} key`, `one of ${keys.join(', ')}`, key);
  }
  return value as Record<string, unknown>;
}

function checkInteger(name: string, value: unknown, min: number, max: number, expected: string): number {
  if (typeof value !== 'number') throw invalidParameterError(name, expected, value, 'type');
  if (!Number.isInteger(value) || value < min || value > max) throw invalidParameterError(name, expected, value);
  return value;
}

function checkChoice<T extends string>(name: string, value: unknown, choices: readonly T[]): T {
  const expected = `one of ${choices.map((c) => `'${c}'`).join(', ')}`;
  if (typeof value !== 'string') throw invalidParameterError(name, expected, value, 'type');
  if (!(choices as readonly string[]).includes(value)) throw invalidParameterError(name, expected, value);
  return value as T;
}

function resolveFrom(o: Record<string, unknown>): ResolvedSignatureOptions {
  // Defaults: rdiff 2.3.2's (0 = recommended block length / maximum strong length).
  const { blockLength = 0, strongLength = 0, hash = 'blake2', rollsum = 'rabinkarp' } = o;
  // Types and ranges that do not depend on other options.
  const block = checkInteger(
    'blockLength',
    blockLength,
    0,
    MAX_BLOCK_LENGTH,
    `an integer between 1 and ${MAX_BLOCK_LENGTH} (0 or absent: rdiff's recommendation)`,
  );
  const h = checkChoice('hash', hash, HASHES);
  const r = checkChoice('rollsum', rollsum, ROLLSUMS);
  // Interpretation: rdiff's magic is the weak-sum family plus the strong sum.
  const magic = `${r === 'rollsum' ? 'rs' : 'rk'}-${h}` as RsyncMagic;
  // Cross-check: the strong length's ceiling is the hash's digest size.
  const max = MAX_STRONG_LENGTH[h];
  const strong = checkInteger(
    `strongLength (with hash '${h}')`,
    strongLength,
    -1,
    max,
    `an integer between 1 and ${max} (0 or absent: ${max}, -1: rdiff's minimum)`,
  );
  return { magic, blockLength: block, strongLength: strong };
}

/** Validates signature options; throws a TypeError/RangeError (code ERR_PARAM) naming the option. */
export function resolveSignatureOptions(opts: unknown): ResolvedSignatureOptions {
  return resolveFrom(checkObject('options', opts, SIGNATURE_KEYS));
}

/** As `resolveSignatureOptions`, plus the stream's optional `size`. */
export function resolveSignatureStreamOptions(opts: unknown): ResolvedSignatureOptions & { size?: number } {
  const o = checkObject('options', opts, [...SIGNATURE_KEYS, 'size']);
  const resolved = resolveFrom(o);
  if (o.size === undefined) return resolved;
  const size = checkInteger('size', o.size, 0, Number.MAX_SAFE_INTEGER, 'a non-negative integer (bytes)');
  return { ...resolved, size };
}

/** Validates file-writing options (`overwrite` defaults to true, as rename does). */
export function resolveWriteOptions(opts: unknown): { overwrite: boolean } {
  const { overwrite = true } = checkObject('options', opts, ['overwrite']);
  if (typeof overwrite !== 'boolean') throw invalidParameterError('overwrite', 'a boolean', overwrite, 'type');
  return { overwrite };
}

/** Signature options plus write options, for `signatureToFile`. */
export function resolveSignatureWriteOptions(opts: unknown): ResolvedSignatureOptions & { overwrite: boolean } {
  const o = checkObject('options', opts, [...SIGNATURE_KEYS, 'overwrite']);
  const { overwrite, ...sig } = o;
  return { ...resolveFrom(sig), ...resolveWriteOptions(overwrite === undefined ? undefined : { overwrite }) };
}

/** `deltaToFd` only: how the new file is scanned. */
export interface FdDeltaOptions {
  /**
   * Ranges of a regular file scanned at once (1..64). Default: by the file's size and the
   * cores (one thread under 32 MiB). Several threads read a range's literal bytes again after
   * the scan, so a file that shrinks meanwhile fails with ERR_IO; 1 reads it once. The bytes
   * written are the same either way.
   */
  threads?: number;
}

export function resolveFdDeltaOptions(opts: unknown): { threads?: number } {
  const { threads } = checkObject('options', opts, ['threads']);
  if (threads === undefined) return {};
  return { threads: checkInteger('threads', threads, 1, 64, 'an integer between 1 and 64') };
}
