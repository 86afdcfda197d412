// The only module that loads the addon. Every raw export is typed here; the rest of src/
// imports this interface, never the .node file.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';

export type CodecKind = 'gzip' | 'bzip2' | 'xz' | 'zstd';

/** A streaming compressor or decompressor over caller-owned buffers (zlib.js processChunk style). */
export interface NativeCodecStream {
  /**
   * Runs on the libuv pool. Reads from `input`, writes into `output`.
   * Resolves `[consumed, produced, streamEnd]`. With `finish` the encoder flushes and
   * ends its stream; call again with the rest of the input and a fresh output until
   * `streamEnd` (encoder) or until input is consumed (decoder; streamEnd means the
   * current member/frame ended, decoders accept concatenated members).
   * One call in flight per object.
   */
  process(input: Buffer, output: Buffer, finish: boolean): Promise<[number, number, boolean]>;
  /** Frees the codec state now rather than at GC. */
  close(): void;
}

/** applyThreadControls' input: each key present is applied. */
export interface NativeThreadControls {
  nice?: number;
  ioClass?: number;
  ioLevel?: number;
  cpus?: number[];
}

/** The first failure of each control that failed. */
export interface NativeThreadControlFailures {
  nice?: NodeJS.ErrnoException;
  io?: NodeJS.ErrnoException;
  cpus?: NodeJS.ErrnoException;
}

export interface NativeThreadState {
  nice: number;
  /** 0 none set (the kernel derives it from nice), 1 realtime, 2 best-effort, 3 idle. */
  ioClass: number;
  ioLevel: number;
  cpus: number[];
}

export interface NativeCipher {
  /** AES-256-CFB128 in place (output length == input length); resolves with the same Buffer. */
  update(data: Buffer): Promise<Buffer>;
}

export interface NativeDigest {
  /**
   * Feeds `data` to the running SHA-256 (and HMAC-SHA256 when keyed) on the libuv pool.
   * Unsegmented (no segment size): resolves the SHA-256 of `data` alone. Segmented: resolves
   * the SHA-256 of every segment this update completed (often none). One pass over the bytes.
   */
  update(data: Buffer): Promise<Buffer | Buffer[]>;
  /** `[sha256, hmacOrNull, lastPartialSegmentOrNull]` of everything fed; the object is then spent. */
  final(): [Buffer, Buffer | null, Buffer | null];
  /**
   * Which code hashes: 'sha-extensions' (all streams in one pass, for segment sizes that are
   * multiples of 64 on CPUs with the SHA extensions) or 'openssl'. PERMAFROST_DIGEST_OPENSSL=1
   * in the environment when a Digest is made forces 'openssl' (to compare the two).
   */
  readonly kernel: 'sha-extensions' | 'openssl';
}

/** Signature magic: weak sum (rs = rsync rollsum, rk = RabinKarp) + strong sum (MD4 or BLAKE2b-256). */
export type RsyncMagic = 'rs-md4' | 'rs-blake2' | 'rk-md4' | 'rk-blake2';

/**
 * A streaming rsync job (signature, delta or patch) over caller-owned buffers, byte-identical
 * to librsync 2.3.2's `rdiff`. Runs on the libuv pool. Reads from `input`, writes into
 * `output`, resolves `[consumed, produced, done]`. `eof` says no input follows `input`; call
 * again with the unconsumed rest (and `eof` again) and a fresh output until `done`.
 * The output never depends on how the stream is split. One call in flight per object
 * (ERR_BUSY otherwise). Failures reject with `.code` 'ERR_BAD_MAGIC' | 'ERR_CORRUPT' |
 * 'ERR_PARAM' | 'ERR_TRUNCATED' | 'ERR_IO' and a message naming the offset when known; a
 * failed job keeps failing.
 */
export interface NativeRsyncJob {
  iterate(input: Buffer, output: Buffer, eof: boolean): Promise<[number, number, boolean]>;
}

/** A parsed signature (block sums and their hash table live off the JS heap). Frozen. */
export interface NativeRsyncSignature {
  readonly magic: RsyncMagic;
  readonly blockLength: number;
  /** Strong-sum bytes kept per block (a stored 0 reads as the magic's maximum, as in librsync). */
  readonly strongLength: number;
  readonly blockCount: number;
}

/** Bytes read from the input fd and written to the output fd by a whole-file rsync job. */
export interface NativeRsyncFileResult {
  inBytes: number;
  outBytes: number;
}

/** Why a TarDumper fill stopped (core/tar_files.h FillStop). */
export const TarFillStop = { Done: 0, Full: 1, Entry: 2, Error: 3 } as const;
export type TarFillStop = (typeof TarFillStop)[keyof typeof TarFillStop];

/** Entry kinds of a TarDumper plan, as the scan saw them (core/tar_files.h EntryKind). */
export const TarEntryKind = { File: 0, Symlink: 1, Other: 2 } as const;

/** The entries the dump pass writes, in archive order, directory by directory. */
export interface NativeTarDumpPlan {
  followSymlinks: boolean;
  trackHardLinks: boolean;
  /** A read failure once a file's header is written: true = warn and pad, false = the fill fails. */
  ignoreFailedRead: boolean;
  /** Per directory: its absolute path and its archive path with a trailing '/'. */
  dirs: string[];
  prefixes: string[];
  /** Per entry: the index of its directory, its name (all joined, each followed by a NUL), its kind. */
  entryDirs: Uint32Array;
  names: string;
  kinds: Uint8Array;
  /** Set: every regular file stored also gets its librsync signature, made from the bytes archived. */
  signature?: NativeTarSignatureParams;
}

/** rs_sig_args' arguments, resolved against each file's size (blockLength 0 = recommended, strongLength 0 = max, -1 = min). */
export interface NativeTarSignatureParams {
  magic: RsyncMagic;
  blockLength: number;
  strongLength: number;
}

/**
 * A TarDumper fill's result. With a plan's `signature`, `signed` holds a pair per file this
 * fill completed and signed: its entry index, then the end of its signature in `signatures`
 * (each starts where the previous one ends); `unsignedEntries` completed without one (they
 * changed while they were read).
 */
export type NativeTarFillResult = [
  end: number,
  next: number,
  stop: TarFillStop,
  bytesRead: number,
  files: number,
  symlinks: number,
  warnings: string[],
  error: string,
  signed: Uint32Array,
  signatures: Buffer,
  unsignedEntries: number[],
];

/**
 * The tar writer's fast path (native/core/tar_files.h): `fill` writes the plan's regular files
 * (data across as many chunks as it takes) and short symlinks into `chunk` from `offset`, on
 * the libuv pool, going on where the last fill stopped. Resolves
 * a NativeTarFillResult `[end, next, stop, bytesRead, files, symlinks, warnings, error, …]`: bytes up to `end` are
 * written; with stop Entry, entry `next` is left to the TypeScript writer (the next fill starts
 * after it); with stop Full the chunk has no room left (a file may continue in the next one);
 * with stop Error, `error` says which read failed. The chunk must not be touched until it settles.
 */
export interface NativeTarDumper {
  fill(chunk: Buffer, offset: number): Promise<NativeTarFillResult>;
}

/** Why a TarExtractor feed stopped (core/tar_extract.h FeedStop). */
export const TarFeedStop = { More: 0, Member: 1, Relink: 2 } as const;
export type TarFeedStop = (typeof TarFeedStop)[keyof typeof TarFeedStop];

export interface NativeTarExtractOptions {
  /** Restore owners (the caller checked that it runs as root). */
  chown: boolean;
  /** The process's umask (0..0o777): a file whose mode it keeps gets it at creation. */
  umask: number;
  /** Typeflags an engine's hook extracts: the extractor stops at them. */
  hookedTypes: string;
  /** Member keys (`a/b`) not to write at this level, each followed by a NUL; '' for none. */
  skip: string;
  /** Member keys this level must hold (an earlier one skipped them), the same way. */
  needed: string;
}

/** A member the native extractor left to the caller, as its parser read it. */
export interface NativeStoppedMember {
  name: string;
  linkname: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  size: number;
  mtime: number;
  atime?: number;
  ctime?: number;
  devmajor: number;
  devminor: number;
  magic: 'gnu' | 'ustar' | 'v7';
  offset: number;
  /** The raw dumpdir of a 'D' member. */
  dumpdir?: Buffer;
  /** Member data then padding for the caller to read from its copy of the stream. */
  dataSize: number;
  padding: number;
}

/** '' or ERR_CORRUPT | ERR_TRUNCATED | ERR_UNSAFE | ERR_UNSUPPORTED | ERR_IO (with an errno). */
export type TarExtractStatus = '' | 'ERR_CORRUPT' | 'ERR_TRUNCATED' | 'ERR_UNSAFE' | 'ERR_UNSUPPORTED' | 'ERR_IO';

/** [used, stop, files, directories, bytesWritten, status, message, errno, unmet] */
export type TarFeedResult = [number, TarFeedStop, number, number, number, TarExtractStatus, string, number, number];

/**
 * The restore's native extractor (native/core/tar_extract.h) for one level into one target.
 * `feed` parses and extracts `chunk[start, end)` on the libuv pool and resolves
 * `[used, stop, files, directories, bytesWritten, status, message, errno]`; with stop Member
 * the caller extracts `stoppedMember()` (reading its data and padding after `used`), calls
 * `forget()` and feeds the rest; with stop Relink a hard link named a member the level skipped.
 * One call at a time (ERR_BUSY otherwise); the chunk must not change until it settles.
 */
export interface NativeTarExtractor {
  feed(chunk: Buffer, start: number, end: number): Promise<[number, TarFeedStop, number, number, number, TarExtractStatus, string, number]>;
  stoppedMember(): NativeStoppedMember;
  forget(): void;
  end(): [TarExtractStatus, string];
  /** The directories' delayed attributes; `unmet` counts needed keys that never came. */
  finish(): Promise<TarFeedResult>;
  close(): void;
}

/** Entry kinds of a directory listing (core/dir_list.h ListedKind). */
export const ListedKind = { File: 0, Dir: 1, Symlink: 2, Other: 3, Unknown: 4 } as const;

/**
 * Listings of a batch of directories, flattened: per directory its errno (0 = listed) and
 * entry count; per entry (directory after directory, names in strcmp order) its name (each
 * followed by a NUL in `names`), ListedKind, the errno of its stat (0 = none) and the index of
 * its stat in `stats` (-1 = not stat'ed), which holds 13 values per stat: dev, ino, mode,
 * nlink, uid, gid, size, then seconds and nanoseconds of atime, mtime and ctime (dev and ino
 * to read as unsigned).
 */
export interface NativeListing {
  errors: Int32Array;
  counts: Uint32Array;
  names: string;
  kinds: Uint8Array;
  statErrors: Int32Array;
  statAt: Int32Array;
  stats: BigInt64Array;
}

/** One target of a device-mapper device and its status line (DM_TABLE_STATUS). */
export interface NativeDmTarget {
  /** In 512-byte sectors. */
  start: number;
  length: number;
  /** `linear`, `snapshot`, `snapshot-origin`, … */
  type: string;
  /** A snapshot's: `<used>/<total> <metadata>` (sectors), `Invalid` once it filled up, or `Overflow`. */
  status: string;
}

/** A device-mapper device as DM_TABLE_STATUS reports it (native/core/dm_ioctl.h). */
export interface NativeDmDevice {
  /** For LVM: `<vg>-<lv>` with every `-` of either name doubled. */
  name: string;
  /** For LVM: `LVM-<vg uuid><lv uuid>` (a layer adds `-<suffix>`). */
  uuid: string;
  major: number;
  minor: number;
  openCount: number;
  flags: number;
  targets: NativeDmTarget[];
}

export interface NativeBinding {
  /** Versions of the linked libraries, e.g. `{ bzip2: '1.0.8', xz: '5.4.1', zstd: '1.5.4', zlib: '1.3', openssl: '3.0.x' }`. */
  versions: Record<string, string>;
  CodecStream: new (kind: CodecKind, decompress: boolean, level: number, threads: number) => NativeCodecStream;
  /** One complete, independent gzip member / bzip2 stream / zstd frame / xz stream of `input`. */
  compressMember(kind: CodecKind, level: number, input: Buffer): Promise<Buffer>;
  /**
   * The same member written into `output` (caller-owned, not overlapping `input`; neither may
   * change until it settles). Resolves the member's length, or -1 when it needs more room than
   * `output` has, which `memberCapacity(input.length)` bytes always give.
   */
  compressMemberInto(kind: CodecKind, level: number, input: Buffer, output: Buffer): Promise<number>;
  /** Output room that holds the member of `inputLength` bytes in every format. */
  memberCapacity(inputLength: number): number;
  Cipher: new (key: Buffer, iv: Buffer, decrypt: boolean) => NativeCipher;
  /**
   * `segmentSize` > 0 hashes the stream in segments of that many bytes as well; `segmentMd5`
   * adds each segment's MD5 (16 bytes after its 32-byte SHA-256 in every segment hash).
   */
  Digest: new (hmacKey: Buffer | null, segmentSize?: number, segmentMd5?: boolean) => NativeDigest;
  /** `openssl enc` key derivation: EVP_BytesToKey(SHA-256, 1 iteration) or PBKDF2-HMAC-SHA256(iterations). Returns 48 bytes: key(32) || iv(16). */
  deriveKeyIv(password: Buffer, salt: Buffer, kdf: 'evp' | 'pbkdf2', iterations: number): Buffer;
  /** One-shot HMAC-SHA256 (small inputs, synchronous). */
  hmacSha256(key: Buffer, data: Buffer): Buffer;
  /** MD5 of the concatenated Buffers, on the libuv pool (the Buffers must not change until it settles). */
  md5(buffers: Buffer[]): Promise<Buffer>;
  /**
   * Lists up to 4096 directories on the pool: every entry with the type getdents reports, and
   * the stat (lstat unless `followSymlinks`) of directories, unknown types, symlinks when
   * following, and every entry of the directories whose `statAll` byte is non-zero.
   */
  listDirectories(paths: string[], statAll: Uint8Array, followSymlinks: boolean): Promise<NativeListing>;
  /** Id tables give uname/gname (a missing id gets ''). */
  TarDumper: new (
    userIds: number[],
    userNames: string[],
    groupIds: number[],
    groupNames: string[],
    plan: NativeTarDumpPlan,
  ) => NativeTarDumper;
  /** Opens `root` (a real directory, not a symlink) for one level's extraction. */
  TarExtractor: new (root: string, options: NativeTarExtractOptions) => NativeTarExtractor;
  /**
   * Starts writeback of a byte range of a regular file open for writing (sync_file_range
   * SYNC_FILE_RANGE_WRITE) on the pool, without waiting for the disk. Resolves false where
   * the file does not support it; the fd must stay open until the promise settles.
   */
  startWriteback(fd: number, offset: number, length: number): Promise<boolean>;
  /** nice(2) increment, ioprio_set(2) class/level for this process; throws with errno on failure. */
  setPriority(nice: number, ioClass: number, ioLevel: number): void;
  /**
   * Sets nice (absolute, -20..19), I/O class (1 realtime, 2 best-effort, 3 idle) with level
   * 0..7, and CPU affinity (CPUs of this system) on the calling thread, then on every other
   * thread of the process; an absent key leaves that control alone. Bad values throw
   * TypeError/RangeError; failing system calls do not throw: the first failure of each
   * control comes back under its key (an ERR_ERRNO error with errno and syscall).
   */
  applyThreadControls(controls: NativeThreadControls): NativeThreadControlFailures;
  /** What the kernel holds for thread `tid` (0: the calling thread); throws ERR_ERRNO (ESRCH when it has gone). */
  getThreadControls(tid: number): NativeThreadState;
  /** mknod(2) for FIFOs and device nodes (Node has none); `mode` includes the S_IF* type bits. Throws with errno. */
  mknod(path: string, mode: number, major: number, minor: number): void;
  /**
   * flock(2) with LOCK_NB: true when taken, false when another open file description holds a
   * conflicting lock; other failures throw ERR_ERRNO. Closing the fd (or the process dying)
   * releases it.
   */
  tryLock(fd: number, exclusive: boolean): boolean;
  /**
   * glibc mallopt(M_MMAP_THRESHOLD): allocations of at least `bytes` (4 KiB..32 MiB) are mapped
   * on their own and given back when freed. Process-wide, so only the CLIs call it. False when
   * not available (non-glibc).
   */
  setMmapThreshold(bytes: number): boolean;
  /** DM_VERSION on /dev/mapper/control. Throws ERR_ERRNO (errno ENOENT: this kernel or /dev has no device-mapper). */
  dmVersion(): [number, number, number];
  /**
   * DM_TABLE_STATUS of one device: by `name` (1..127 bytes, no NUL) with major and minor 0, or
   * by `major` (0..4095) and `minor` (0..2^20-1) with name ''. null when there is no such
   * device; throws ERR_ERRNO for the rest.
   */
  dmStatus(name: string, major: number, minor: number): NativeDmDevice | null;
  /** Test only: parses a DM_TABLE_STATUS answer (struct dm_ioctl and data); null when malformed. */
  _dmParseStatus(answer: Buffer): NativeDmDevice | null;
  /**
   * One datagram to the AF_UNIX SOCK_DGRAM socket at `path` (1..107 bytes, no NUL; `data` at
   * most 1 MiB), sent without waiting: syslog's /dev/log, journald's socket. Throws ERR_ERRNO
   * with .errno and .syscall (ENOENT/ECONNREFUSED: nobody listens; EAGAIN: its queue is full).
   */
  sendUnixDatagram(path: string, data: Buffer): void;
  /**
   * Streaming signature writer. `blockLength` 1..2^30 or 0 = rdiff's recommendation;
   * `strongLength` 1..16 (MD4) / 1..32 (BLAKE2), 0 = maximum, -1 = rdiff's minimum;
   * `magic` defaults to 'rk-blake2'. `fileSize` (optional) is the input's size for those
   * defaults; without it they are rdiff's for a pipe (block 2048, minimum strength 12).
   * Bad parameters throw with code ERR_PARAM.
   */
  SignatureJob: new (blockLength: number, strongLength: number, magic?: RsyncMagic, fileSize?: number) => NativeRsyncJob;
  /** Parses a whole signature file on the pool. ERR_BAD_MAGIC, ERR_CORRUPT, ERR_PARAM or ERR_TRUNCATED. */
  loadSignature(signature: Buffer): Promise<NativeRsyncSignature>;
  /**
   * Streaming delta writer against a loaded signature. `literalCap` (default 32768, rdiff
   * 2.3.2; 65533 matches librsync >= 2.3.3) caps literal runs.
   */
  DeltaJob: new (signature: NativeRsyncSignature, literalCap?: number) => NativeRsyncJob;
  /**
   * Streaming patcher: the delta is the input, the new file the output. The basis is a
   * Buffer (referenced, not copied: leave it unmodified while the job lives) or an fd that
   * answers lseek, read with pread (not owned, offset untouched). A regular file or block
   * device has a size COPYs are checked against; any other such fd (a character device:
   * /dev/null, /dev/zero) is read until it ends, as rdiff does. A pipe fails (ERR_IO).
   * Bytes after END are ignored.
   */
  PatchJob: new (basis: Buffer | number) => NativeRsyncJob;
  /**
   * Whole-file signature, fd to fd, entirely native. Defaults as `SignatureJob`, with the
   * size taken from fstat (a pipe counts as unknown), as rdiff does.
   */
  signatureFile(inFd: number, outFd: number, blockLength: number, strongLength: number, magic?: RsyncMagic): Promise<NativeRsyncFileResult>;
  /**
   * Whole-file delta of `newFd` against `signature`, written to `outFd`. durable: the caller
   * fdatasyncs outFd afterwards, so writeback starts as the delta is written. threads: ranges
   * of a regular file scanned at once (default: by size and cores); the bytes are the same.
   */
  deltaFile(
    signature: NativeRsyncSignature,
    newFd: number,
    outFd: number,
    literalCap?: number,
    durable?: boolean,
    threads?: number,
  ): Promise<NativeRsyncFileResult>;
  /** Whole-file patch: `basisFd` (as for PatchJob) + delta read from `deltaFd` -> `outFd`. */
  /** durable: as for deltaFile. */
  patchFile(basisFd: number, deltaFd: number, outFd: number, durable?: boolean): Promise<NativeRsyncFileResult>;
  /** Test only: known-answer checks of MD4, BLAKE2b and both rolling sums; true or throws. */
  _selftest(): boolean;
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The addon node-gyp-build would pick in the usual cases, found without it: a source build in
 * build/Release, else (no build/ at all) this platform's prebuild. Saves its package.json and
 * directory reads in every start of a short command. Anything unusual (its environment
 * overrides, a Debug build, tagged prebuilds) is left to node-gyp-build itself.
 */
function usualAddon(): string | null {
  const env = process.env;
  if (env.PREBUILDS_ONLY || env.PERMAFROST_PREBUILD || env.npm_config_arch || env.npm_config_platform) return null;
  const built = join(root, 'build', 'Release', 'permafrost.node');
  if (existsSync(built)) return built;
  const prebuilt = join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'permafrost.node');
  return !existsSync(join(root, 'build')) && existsSync(prebuilt) ? prebuilt : null;
}

function load(): NativeBinding {
  const require = createRequire(import.meta.url);
  try {
    const usual = usualAddon();
    if (usual) return require(usual) as NativeBinding;
    return (require('node-gyp-build') as (dir: string) => unknown)(root) as NativeBinding;
  } catch (err) {
    const e = err as Error;
    throw new Error(
      `permafrost: the native addon could not be loaded from ${root} (build/Release or prebuilds/): ${e.message}. ` +
        'Run `npm run build:native` (needs g++, make, python3, libbz2-dev, liblzma-dev, libzstd-dev).',
      { cause: err },
    );
  }
}

export const native: NativeBinding = load();
