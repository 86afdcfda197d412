// The dump pass with the native fast path: every 'Y' entry of every directory, in archive
// order, goes to the addon as one plan, and each fill writes regular files (data straight
// into the archive chunk, across chunks for big ones) and short symlinks on the libuv pool
// until the chunk is full. An entry it leaves (another type, a hard link, a long name or
// target, a value a plain header cannot hold, a failure before its header) goes through
// dumpMember, which handles every case. Same bytes either way (test/tar-native-files.test.ts).
// With a file hook that signs (file-hook.ts SignedFiles), the fill also signs every file it
// stores; the files the hook wants to replace are left to the general path with the hook.
import path from 'node:path';
import { native, TarEntryKind, TarFillStop, type NativeTarDumper } from '../../native.js';
import { sourceError } from '../../base/errors.js';
import type { DumpContext } from './dump-context.js';
import { BLOCK_SIZE } from './header.js';
import { dumpEntry } from './members.js';
import { Pacer } from './pacer.js';
import type { ScannedDir } from './scan.js';

interface PlannedEntry {
  dir: ScannedDir;
  name: string;
  kind: string;
}

const kindCode = (kind: string): number =>
  kind === 'file' ? TarEntryKind.File : kind === 'symlink' ? TarEntryKind.Symlink : TarEntryKind.Other;

function planOf(ctx: DumpContext, directories: ScannedDir[]): { dumper: NativeTarDumper; entries: PlannedEntry[] } {
  const entries: PlannedEntry[] = [];
  const entryDirs: number[] = [];
  const kinds: number[] = [];
  const signed = ctx.fileHook?.signed;
  directories.forEach((dir, index) => {
    for (const e of dir.entries) {
      if (e.letter !== 'Y') continue;
      entries.push({ dir, name: e.name, kind: e.kind });
      entryDirs.push(index);
      // 'Other' leaves the entry to the general path, where the hook replaces it.
      const hooked = e.kind === 'file' && signed?.wantsReplace(`${dir.rel}/${e.name}`);
      kinds.push(hooked ? TarEntryKind.Other : kindCode(e.kind));
    }
  });
  const { users, groups } = ctx.ids;
  const dumper = new native.TarDumper([...users.keys()], [...users.values()], [...groups.keys()], [...groups.values()], {
    followSymlinks: ctx.followSymlinks,
    trackHardLinks: ctx.trackHardLinks,
    ignoreFailedRead: ctx.ignoreFailedRead,
    dirs: directories.map((d) => d.abs),
    prefixes: directories.map((d) => `${d.rel}/`),
    entryDirs: Uint32Array.from(entryDirs),
    names: entries.map((e) => `${e.name}\0`).join(''),
    kinds: Uint8Array.from(kinds),
    ...(signed ? { signature: signed.params } : {}),
  });
  return { dumper, entries };
}

const nameOf = (e: PlannedEntry): string => `${e.dir.rel}/${e.name}`;

/** Dumps the 'Y' entries of `directories` (after their 'D' members); yields full chunks. */
export async function* dumpEntriesNatively(ctx: DumpContext, directories: ScannedDir[]): AsyncGenerator<Buffer> {
  const { dumper, entries } = planOf(ctx, directories);
  const pacer = new Pacer();
  for (;;) {
    const { buf, offset } = ctx.out.reserve(BLOCK_SIZE);
    const [end, next, stop, bytesRead, files, symlinks, warnings, error, signed, signatures, unsignedEntries] = await dumper.fill(
      buf,
      offset,
    );
    ctx.out.commit(end - offset);
    ctx.stats.files += files;
    ctx.stats.symlinks += symlinks;
    ctx.stats.bytesRead += bytesRead;
    for (const w of warnings) ctx.warn(w);
    const hook = ctx.fileHook?.signed;
    // An addon built before signing existed would store the files and sign none.
    if (hook && !signed) throw new Error('the native addon does not sign files: rebuild it (npx node-gyp rebuild)');
    if (hook) {
      for (let i = 0, start = 0; i < signed.length; start = signed[i + 1], i += 2) {
        hook.signature(nameOf(entries[signed[i]]), signatures.subarray(start, signed[i + 1]));
      }
      for (const entry of unsignedEntries) hook.changed(nameOf(entries[entry]));
    }
    pacer.turned();
    if (stop === TarFillStop.Error) throw sourceError(error);
    // A full chunk is handed on now, not after the next fill.
    if (stop === TarFillStop.Full) ctx.out.reserve(BLOCK_SIZE);
    if (ctx.out.hasReady()) yield* ctx.out.drain();
    if (stop === TarFillStop.Done) return;
    if (stop === TarFillStop.Entry) {
      const entry = entries[next];
      yield* dumpEntry(ctx, nameOf(entry), path.join(entry.dir.abs, entry.name), entry.kind);
      yield* pacer.handOn(ctx.out);
    }
  }
}
