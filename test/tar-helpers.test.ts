// Shared helpers of the tar engine tests (no tests here): temp dirs, stock GNU tar runs with
// argv arrays, tree fingerprints and archive normalisation.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { scratchCwd } from './helpers/scratch.js';
import {
  BLOCK_SIZE,
  createTarBackup,
  decodeHeader,
  encodeMemberHeader,
  isZeroBlock,
  memberHeaderLength,
  type HeaderFields,
  type TarBackupOptions,
  type TarBackupResult,
} from '../src/engines/tar/index.js';

export async function tempDir(tag: string): Promise<string> {
  return fsp.mkdtemp(path.join(os.tmpdir(), `permafrost-${tag}-`));
}

export async function removeDir(dir: string): Promise<void> {
  await fsp.rm(dir, { recursive: true, force: true });
}

/** Runs stock GNU tar; throws with its stderr unless the exit status is allowed. */
/** Writes `data` at `rel` under `root`, making its directories; `mode` is then set as given. */
export async function writeUnder(root: string, rel: string, data: string | Buffer, mode?: number): Promise<void> {
  const abs = path.join(root, rel);
  await fsp.mkdir(path.dirname(abs), { recursive: true });
  await fsp.writeFile(abs, data);
  if (mode !== undefined) await fsp.chmod(abs, mode);
}

export function gnuTar(
  args: string[],
  opts: { input?: Buffer; allow?: number[] } = {},
): { stdout: Buffer; stderr: string; status: number } {
  const r = spawnSync('tar', args, { input: opts.input, cwd: scratchCwd(), maxBuffer: 1 << 30 });
  if (r.error) throw r.error;
  const status = r.status ?? -1;
  if (!(opts.allow ?? [0]).includes(status)) {
    throw new Error(`tar ${args.join(' ')} exited ${status}: ${r.stderr.toString()}`);
  }
  return { stdout: r.stdout, stderr: r.stderr.toString(), status };
}

export function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr?.toString()}`);
}

export async function collect(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c);
  return Buffer.concat(parts);
}

export async function backup(opts: TarBackupOptions): Promise<{ archive: Buffer } & TarBackupResult> {
  const b = createTarBackup(opts);
  const archive = await collect(b.stream);
  return { archive, ...(await b.result) };
}

/** One member (header + padded data) built with our header codec. */
export function member(h: Partial<HeaderFields> & { name: string }, data: Buffer = Buffer.alloc(0)): Buffer {
  const fields: HeaderFields = { mode: 0o644, uid: 0, gid: 0, mtime: 1_700_000_000, typeflag: '0', ...h, size: data.length };
  const head = Buffer.alloc(memberHeaderLength(fields));
  encodeMemberHeader(fields, head, 0);
  const padded = Buffer.alloc(Math.ceil(data.length / 512) * 512);
  data.copy(padded);
  return Buffer.concat([head, padded]);
}

/** Members followed by the two zero blocks that end an archive. */
export function archive(...members: Buffer[]): Buffer {
  return Buffer.concat([...members, Buffer.alloc(1024)]);
}

export async function* chunked(data: Buffer, size = 7919): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

export interface NodeState {
  type: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  content?: string;
  target?: string;
  /** First path (sorted) of the hard-link group, for files with more than one name. */
  linkGroup?: string;
}

/** Everything tar restores, per path; the root is ".". */
export async function treeState(root: string): Promise<Record<string, NodeState>> {
  const out: Record<string, NodeState> = {};
  const inodes = new Map<bigint, string[]>();
  const walk = async (rel: string) => {
    const abs = path.join(root, rel);
    const st = await fsp.lstat(abs, { bigint: true });
    const s: NodeState = {
      type: kindOf(st),
      mode: Number(st.mode & 0o7777n),
      uid: Number(st.uid),
      gid: Number(st.gid),
      mtime: Number(st.mtimeNs / 1_000_000_000n),
    };
    if (st.isSymbolicLink()) s.target = await fsp.readlink(abs);
    if (st.isFile())
      s.content = createHash('sha1')
        .update(await fsp.readFile(abs))
        .digest('hex');
    if (!st.isDirectory() && st.nlink > 1n) inodes.set(st.ino, [...(inodes.get(st.ino) ?? []), rel]);
    out[rel] = s;
    if (st.isDirectory()) {
      for (const name of (await fsp.readdir(abs)).sort()) await walk(rel === '.' ? name : `${rel}/${name}`);
    }
  };
  await walk('.');
  for (const names of inodes.values()) {
    if (names.length < 2) continue;
    const first = [...names].sort()[0];
    for (const n of names) out[n].linkGroup = first;
  }
  return out;
}

function kindOf(st: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean; isFIFO(): boolean }): string {
  if (st.isFile()) return 'file';
  if (st.isDirectory()) return 'dir';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  return 'other';
}

/** Walks an archive's headers: [offset, header] for each (data skipped). */
export function archiveHeaders(archive: Buffer): Array<{ offset: number; header: ReturnType<typeof decodeHeader> }> {
  const out: Array<{ offset: number; header: ReturnType<typeof decodeHeader> }> = [];
  for (let at = 0; at + BLOCK_SIZE <= archive.length;) {
    if (isZeroBlock(archive, at)) {
      at += BLOCK_SIZE;
      continue;
    }
    const header = decodeHeader(archive, at);
    out.push({ offset: at, header });
    const hasData = !['1', '2', '3', '4', '6'].includes(header.typeflag);
    at += BLOCK_SIZE + (hasData ? Math.ceil(header.size / BLOCK_SIZE) * BLOCK_SIZE : 0);
  }
  return out;
}

/**
 * Clears the atime fields (reading a file for one archive changes what the other one sees)
 * and recomputes the checksums, so two archives of the same tree can be compared byte by byte.
 */
export function withoutAtimes(archive: Buffer): Buffer {
  const copy = Buffer.from(archive);
  for (const { offset } of archiveHeaders(copy)) {
    copy.fill(0, offset + 345, offset + 357);
    copy.fill(0x20, offset + 148, offset + 156);
    let sum = 0;
    for (let i = 0; i < BLOCK_SIZE; i++) sum += copy[offset + i];
    copy.write(sum.toString(8).padStart(6, '0'), offset + 148, 'latin1');
    copy[offset + 154] = 0;
    copy[offset + 155] = 0x20;
  }
  return copy;
}

/** `tar --incremental --list -v -v` output reduced to the dumpdir listings and member names. */
export function incrementalListing(archiveFile: string): string {
  const out = gnuTar(['--incremental', '--list', '-v', '-v', '-f', archiveFile]).stdout.toString();
  // Keep member names and dumpdir lines; drop the columns that depend on times and ids.
  return out
    .split('\n')
    .map((l) => (/^[-dlpcbh]/.test(l) ? l.split(/\s+/).slice(5).join(' ') : l))
    .join('\n');
}

export async function nativeAvailable(): Promise<boolean> {
  try {
    const { native } = await import('../src/native.js');
    return typeof native.mknod === 'function';
  } catch {
    return false;
  }
}
