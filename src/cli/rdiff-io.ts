// permafrost-rdiff's ends: the files and standard streams a job reads and writes, opened so
// that a failure says which end it was (exit 4 for an input, 5 for the output), and the output
// kept track of until it is committed, so that a failed or interrupted run leaves none behind.
import { fstatSync, readFileSync } from 'node:fs';
import type { Input, OutputEnd, Totals } from './rdiff-ends.js';
import { ExitCode, sourceError } from '../base/errors.js';
import { native, type NativeRsyncJob } from '../native.js';
import { context, fail, RsyncError } from '../rsync/errors.js';
import { openBasis, preadableBasis } from '../rsync/basis.js';
import { openOutput } from '../rsync/files.js';
import { FdFile } from '../rsync/fd-file.js';
import { loadSignature, type RsyncSignature } from '../rsync/load.js';
import { tagged } from './rdiff-exit.js';

export const isStdio = (file: string | undefined): boolean => file === undefined || file === '-';

export function regularFileSize(fd: number): number | undefined {
  const st = fstatSync(fd);
  return st.isFile() ? st.size : undefined;
}

export async function openIn(file: string | undefined, role: string): Promise<Input> {
  if (isStdio(file)) {
    const size = regularFileSize(0);
    if (size !== undefined) return { kind: 'fd', fd: 0, name: `${role} (standard input)`, size, close: async () => undefined };
    return { kind: 'stream', stream: process.stdin, name: `${role} (standard input)`, close: async () => undefined };
  }
  const ctx = context();
  try {
    const fh = await FdFile.open(file!, 'r');
    const st = await fh.stat();
    if (st.isDirectory()) {
      await fh.close();
      throw Object.assign(new Error(`EISDIR: illegal operation on a directory, read '${file}'`), { code: 'EISDIR' });
    }
    return { kind: 'fd', fd: fh.fd, name: `${role} ${file}`, size: st.isFile() ? st.size : undefined, close: () => fh.close() };
  } catch (err) {
    throw fail(ctx, `cannot open ${role} ${file}`, err, file);
  }
}

let pendingOutput: OutputEnd | undefined;

/** The output being written, if any: what an interrupted or failed run must not leave behind. */
export function pendingOutputEnd(): OutputEnd | undefined {
  return pendingOutput;
}

/** Forgets the pending output (it was committed, or is being aborted) and returns it. */
export function takePendingOutput(): OutputEnd | undefined {
  const out = pendingOutput;
  pendingOutput = undefined;
  return out;
}

export async function openOut(file: string | undefined, force: boolean, role: string): Promise<OutputEnd> {
  let out: OutputEnd;
  if (isStdio(file)) {
    if (regularFileSize(1) !== undefined) {
      out = { kind: 'fd', fd: 1, name: `${role} (standard output)`, commit: async () => undefined, abort: async () => undefined };
    } else {
      out = {
        kind: 'stream',
        stream: process.stdout,
        name: `${role} (standard output)`,
        commit: async () => undefined,
        abort: async () => undefined,
      };
    }
  } else {
    const o = await openOutput(file!, force);
    out = {
      kind: 'fd',
      fd: o.fd,
      name: `${role} ${file}`,
      tempPath: o.tempPath,
      durable: o.durable,
      commit: () => o.commit(),
      abort: () => o.abort(),
    };
  }
  pendingOutput = out;
  return out;
}

/** The stream forms, loaded only when a pipe or terminal needs them (rdiff-streams.ts). */
export async function viaStreams(job: NativeRsyncJob, what: string, input: Input, out: OutputEnd): Promise<Totals> {
  return (await import('./rdiff-streams.js')).viaStreams(job, what, input, out);
}

export async function loadSignatureArg(file: string | undefined): Promise<RsyncSignature> {
  // An unusable signature exits by its code (INTEGRITY); an unreadable file as SOURCE.
  if (!isStdio(file)) return tagged(ExitCode.SOURCE, () => loadSignature(file!));
  const bytes = regularFileSize(0) !== undefined ? readFileSync(0) : await (await import('../bytes/collect.js')).collectAll(process.stdin);
  const ctx = context();
  try {
    return await native.loadSignature(bytes);
  } catch (err) {
    throw fail(ctx, 'signature (standard input) is unusable', err);
  }
}

/**
 * The basis as an fd the native side can pread. A pipe, FIFO, socket or terminal is copied
 * to a temporary file first (rdiff fails on such a basis once the delta COPYs from it).
 * Every failure is the basis's: exit 4, even when it is the temporary file that has no room.
 */
export async function openBasisArg(file: string | undefined): Promise<{ fd: number; name: string; close(): Promise<void> }> {
  try {
    if (!isStdio(file)) return { ...(await openBasis(file!)), name: `basis ${file}` };
    const name = 'basis (standard input)';
    // process.stdin is only touched to copy a stream: it may make fd 0 non-blocking.
    return { ...(await preadableBasis(0, name, () => process.stdin)), name };
  } catch (err) {
    throw err instanceof RsyncError ? sourceError(err.message, err) : err;
  }
}
