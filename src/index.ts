// Public library API: re-exports only. The diff library alone is `permafrost/rsync`
// (src/rsync/index.ts), which loads nothing of the agent; the CLIs are bin/'s, not exports.
export { compress, decompress, CODECS } from './codecs/index.js';
export type { CodecName, CompressOptions } from './codecs/index.js';
export { encryptStream, decryptStream } from './crypto/cipher-stream.js';
export { deriveKeys, newKeys, readPassword } from './crypto/keys.js';
export type { CipherKeys, Kdf } from './crypto/keys.js';
export { LocalStore } from './storage/local.js';
export { composeStorage } from './storage/compose.js';
export type { ComposeOptions } from './storage/compose.js';
export { StorageFault } from './storage/storage.js';
export type { Storage, ObjectStore, PartUpload, ObjectStat, FaultKind, PutOptions } from './storage/storage.js';
export { createTarBackup, extractTar } from './engines/tar/index.js';
export { PermafrostError, ExitCode } from './base/errors.js';
export {
  signature,
  signatureToFile,
  createSignatureStream,
  loadSignature,
  delta,
  deltaToFile,
  createDeltaStream,
  patch,
  patchToFile,
  createPatchStream,
  signatureToFd,
  deltaToFd,
  patchToFd,
  RsyncError,
} from './rsync/index.js';
export type {
  SignatureOptions,
  SignatureStreamOptions,
  RsyncWriteOptions,
  RsyncHash,
  RsyncRollsum,
  RsyncSource,
  RsyncSignature,
  SignatureSource,
  RsyncFileResult,
  RsyncTransform,
  RsyncFdDeltaOptions,
  RsyncDeltaInput,
} from './rsync/index.js';
