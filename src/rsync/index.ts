// The rsync-style diff API (rdiff/librsync 2.3.2 formats, byte-identical output). The
// implementations live beside this file; the documentation lives here, on the exports.
import * as sig from './signature.js';
import * as dlt from './delta.js';
import * as pch from './patch.js';
import * as load from './load.js';
import * as fds from './fds.js';

/**
 * Signature of a basis file, as `rdiff signature` writes it.
 *
 * @param basis - the basis bytes, or a file path (read natively through its fd, never
 *   through JS; the size-based defaults then use the file's size, as rdiff does)
 * @param opts - `blockLength` (rdiff `-b`), `strongLength` (`-S`), `hash` (`-H`:
 *   'blake2' | 'md4'), `rollsum` (`-R`: 'rabinkarp' | 'rollsum'); defaults are rdiff 2.3.2's
 * @returns the signature file's bytes
 * @throws TypeError / RangeError with code `ERR_PARAM` naming the bad option or argument;
 *   `RsyncError` with an fs code (`ENOENT`, `EACCES`, ...) when the file cannot be opened,
 *   or `ERR_IO` when it cannot be read
 * @example
 * ```ts
 * import { signature } from 'permafrost';
 * const sig = await signature('/srv/disk.img');                            // rk-blake2, rdiff defaults
 * const small = await signature(Buffer.from('hello'), { blockLength: 512, strongLength: 8 });
 * ```
 */
export const signature = sig.signature;

/**
 * `signature` file to file: reads `basisPath`, writes `signaturePath` atomically (a temp file
 * beside it, renamed over it). Nothing passes through JS.
 *
 * @param opts - the signature options plus `overwrite` (default true; false fails with
 *   code `EEXIST` when `signaturePath` exists, as rdiff does without `-f`)
 * @returns `{ inBytes, outBytes }`
 * @throws as `signature`; `EEXIST` when the output exists and `overwrite` is false
 * @example
 * ```ts
 * import { signatureToFile } from 'permafrost';
 * const { inBytes, outBytes } = await signatureToFile('old.img', 'old.sig', { hash: 'md4' });
 * ```
 */
export const signatureToFile = sig.signatureToFile;

/**
 * A `stream.Transform`: basis bytes in, signature bytes out (identical to `signature`
 * however the input is split). Honours backpressure.
 *
 * @param opts - the signature options, plus `size` (the total input length, when known,
 *   for rdiff's size-based defaults; without it they are rdiff's for a pipe: 2048-byte blocks)
 * @throws synchronously, TypeError / RangeError with code `ERR_PARAM` for bad options
 * @example
 * ```ts
 * import { createReadStream, createWriteStream } from 'node:fs';
 * import { pipeline } from 'node:stream/promises';
 * import { createSignatureStream } from 'permafrost';
 * await pipeline(createReadStream('old.img'), createSignatureStream(), createWriteStream('old.sig'));
 * ```
 */
export const createSignatureStream = sig.createSignatureStream;

/**
 * Parses a signature once (off the JS heap) so several deltas can share it.
 *
 * @param signature - signature bytes, a signature file path, or an already loaded signature
 * @returns a frozen `{ magic, blockLength, strongLength, blockCount }` object
 * @throws `RsyncError` with code `ERR_BAD_MAGIC` (not a signature), `ERR_CORRUPT`,
 *   `ERR_PARAM` (strong length too big for its hash), `ERR_TRUNCATED` (ends inside a block
 *   record), or an fs code when the file cannot be read
 * @example
 * ```ts
 * import { loadSignature, delta } from 'permafrost';
 * const sig = await loadSignature('old.sig');
 * const d1 = await delta(sig, 'new1.img'), d2 = await delta(sig, 'new2.img');
 * ```
 */
export const loadSignature = load.loadSignature;

/**
 * Delta of a new file against a signature, as `rdiff delta` writes it.
 *
 * @param signature - signature bytes, a signature file path, or a `loadSignature` result
 * @param newFile - the new bytes, or a file path (read natively through its fd)
 * @returns the delta file's bytes
 * @throws as `loadSignature` for the signature; an fs code or `ERR_IO` for the new file
 * @example
 * ```ts
 * import { signature, delta } from 'permafrost';
 * const d = await delta(await signature(Buffer.from('hello world')), Buffer.from('hello there world'));
 * ```
 */
export const delta = dlt.delta;

/**
 * `delta` file to file: writes `deltaPath` atomically. Nothing passes through JS.
 *
 * @param opts - `overwrite` (default true; false fails with `EEXIST` if `deltaPath` exists)
 * @returns `{ inBytes, outBytes }` (new-file bytes read, delta bytes written)
 * @example
 * ```ts
 * import { deltaToFile } from 'permafrost';
 * await deltaToFile('old.sig', 'new.img', 'old-to-new.delta');
 * ```
 */
export const deltaToFile = dlt.deltaToFile;

/**
 * A `stream.Transform`: new-file bytes in, delta bytes out. The signature (bytes or path)
 * is loaded in the background; a load failure is emitted as the stream's error.
 *
 * @param signature - signature bytes, a signature file path, or a `loadSignature` result
 * @example
 * ```ts
 * import { createReadStream, createWriteStream } from 'node:fs';
 * import { pipeline } from 'node:stream/promises';
 * import { createDeltaStream } from 'permafrost';
 * await pipeline(createReadStream('new.img'), createDeltaStream('old.sig'), createWriteStream('old-to-new.delta'));
 * ```
 */
export const createDeltaStream = dlt.createDeltaStream;

/**
 * Rebuilds the new file from the basis and a delta, as `rdiff patch` does.
 *
 * @param basis - the basis bytes, or a file path (read natively with pread: COPY commands
 *   need random access). A device that answers pread (`/dev/null`, `/dev/zero`) is read as
 *   rdiff reads it; a FIFO is first copied to an unlinked temporary file in os.tmpdir()
 * @param delta - the delta bytes, or a file path
 * @returns the new file's bytes
 * @throws `RsyncError` with code `ERR_BAD_MAGIC` (not a delta), `ERR_CORRUPT` (reserved
 *   command, zero length, a COPY past the basis end), `ERR_TRUNCATED` (no END command),
 *   an fs code or `ERR_IO` for the files (ENOSPC, ENOENT... when a FIFO basis cannot be
 *   copied: the message names the temporary directory)
 * @example
 * ```ts
 * import { signature, delta, patch } from 'permafrost';
 * const old = Buffer.from('hello world'), now = Buffer.from('hello brave new world');
 * const rebuilt = await patch(old, await delta(await signature(old), now)); // equal to `now`
 * const fromFile = await patch('old.img', await delta('old.sig', 'new.img'));
 * ```
 */
export const patch = pch.patch;

/**
 * `patch` file to file: writes `outPath` atomically (so `outPath` may be the basis itself).
 * Nothing passes through JS (except a FIFO basis, copied first as for `patch`).
 *
 * @param opts - `overwrite` (default true; false fails with `EEXIST` if `outPath` exists)
 * @returns `{ inBytes, outBytes }` (delta bytes read, new-file bytes written)
 * @example
 * ```ts
 * import { patchToFile } from 'permafrost';
 * await patchToFile('old.img', 'old-to-new.delta', 'new.img');
 * ```
 */
export const patchToFile = pch.patchToFile;

/**
 * A `stream.Transform`: delta bytes in, new-file bytes out. The basis is a Buffer (kept
 * referenced: do not modify it meanwhile) or a path (as for `patch`), opened once and
 * closed when the stream ends or is destroyed. Bytes after the delta's END command are ignored.
 *
 * @example
 * ```ts
 * import { createReadStream, createWriteStream } from 'node:fs';
 * import { pipeline } from 'node:stream/promises';
 * import { createPatchStream } from 'permafrost';
 * await pipeline(createReadStream('old-to-new.delta'), createPatchStream('old.img'), createWriteStream('new.img'));
 * ```
 */
export const createPatchStream = pch.createPatchStream;

/**
 * `signature` of the file open at `fd`, written natively to `outFd` at its current offset:
 * for a program that opens its files its own way (O_NOFOLLOW, a temp file it owns). Pass an
 * fd at offset 0 (freshly opened): it is read to its end (a big regular file by ranges with
 * pread, on several threads); the size-based defaults use its fstat size, as rdiff does.
 * Neither fd is closed; `outFd` is not synced.
 *
 * @param opts - as for `signature`
 * @returns `{ inBytes, outBytes }` (file bytes read, signature bytes written)
 * @throws as `signature`; the message names the fds
 * @example
 * ```ts
 * import { openSync, readFileSync, constants as C } from 'node:fs';
 * import { signatureToFd } from 'permafrost';
 * const fd = openSync('/srv/disk.img', C.O_RDONLY | C.O_NOFOLLOW);
 * const out = openSync('/srv/disk.sig', C.O_WRONLY | C.O_CREAT | C.O_EXCL, 0o600);
 * await signatureToFd(fd, out, { blockLength: 4096 });
 * ```
 */
export const signatureToFd = fds.signatureToFd;

/**
 * `delta` of the file open at `newFd` (at offset 0, as for `signatureToFd`), written to
 * `outFd` at its current offset, natively (nothing passes through JS). Neither fd is
 * closed; `outFd` is not synced.
 *
 * @param opts - `threads`: ranges of a regular file scanned at once (1..64; default by size
 *   and cores). Several threads read literal bytes again after the scan, so a file that
 *   shrinks meanwhile fails with `ERR_IO` ("shrank while its delta was being written");
 *   `threads: 1` reads it once. The bytes are the same either way
 * @returns `{ inBytes, outBytes }`
 * @throws as `loadSignature` for the signature; `ERR_IO` or an fs code for the fds
 * @example
 * ```ts
 * import { deltaToFd, loadSignature } from 'permafrost';
 * const { outBytes } = await deltaToFd(await loadSignature(oldSig), newFd, deltaFd);
 * ```
 */
export const deltaToFd = fds.deltaToFd;

/**
 * `patch` with the basis open at `basisFd` (read with pread; a stream fd is first copied
 * as for `patch`), the delta as a Buffer or as chunks that arrive (a Readable, an async
 * generator), and the new file written to `outFd` at its current offset. The delta is read
 * up to its END command; the rest of a stream is not read. No fd is closed.
 *
 * @returns `{ inBytes, outBytes }` (delta bytes handed to the patch, new-file bytes written)
 * @throws as `patch` (`ERR_BAD_MAGIC`, `ERR_CORRUPT`, `ERR_TRUNCATED`, `ERR_IO`, an fs code
 *   for a failed write); an error of the delta stream itself rejects as it is. The
 *   RsyncError's `.cause` is the failure without the names of the fds
 * @example
 * ```ts
 * import { createReadStream } from 'node:fs';
 * import { patchToFd } from 'permafrost';
 * await patchToFd(basisFd, createReadStream('old-to-new.delta'), outFd);
 * ```
 */
export const patchToFd = fds.patchToFd;

/** The error type of failed operations: `.code`, `.path` (the file, when one is at fault), `.cause` (the native or fs error). */
export { RsyncError } from './errors.js';
export type { RsyncTransform } from './transform.js';
export type { RsyncFileResult } from './signature.js';
export type { RsyncSignature, SignatureSource } from './load.js';
/** A Buffer or an async iterable of Buffers: the delta `patchToFd` takes. */
export type { DeltaInput as RsyncDeltaInput } from './inputs.js';
/** A Buffer (the bytes) or a string (a file path, read natively through its fd). */
export type { Source as RsyncSource } from './inputs.js';
export type {
  SignatureOptions,
  SignatureStreamOptions,
  WriteOptions as RsyncWriteOptions,
  FdDeltaOptions as RsyncFdDeltaOptions,
  RsyncHash,
  RsyncRollsum,
} from './options.js';
