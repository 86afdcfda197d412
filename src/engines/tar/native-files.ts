// The dump pass over one directory's 'Y' entries with the native fast path: each run of
// regular files goes to the addon in one call (open, fstat, header, data and padding, written
// straight into the archive chunk on the libuv pool), and every entry it leaves (another type,
// a hard link, a long name, an error, a change while read, no room left in the chunk) goes
// through dumpMember, which handles every case. Same bytes either way (test/tar-native-files.test.ts).
import path from 'node:path';
import { native, type NativeTarFileDumper } from '../../native.js';
import type { DumpContext } from './dump-context.js';
import { dumpMember } from './members.js';
import type { Pacer } from './pacer.js';
import type { ScannedDir } from './scan.js';

/** Names per native call: enough to amortise the call, few enough to keep the loop turning. */
const MAX_BATCH = 512;

export function nativeFileDumper(ctx: DumpContext): NativeTarFileDumper {
  const { users, groups } = ctx.ids;
  return new native.TarFileDumper([...users.keys()], [...users.values()], [...groups.keys()], [...groups.values()],
    ctx.followSymlinks, ctx.trackHardLinks);
}

export async function* dumpDirectoryEntries(ctx: DumpContext, dumper: NativeTarFileDumper, dir: ScannedDir, pacer: Pacer): AsyncGenerator<Buffer> {
  const entries = dir.entries.filter((e) => e.letter === 'Y');
  const prefix = `${dir.rel}/`;
  let i = 0;
  while (i < entries.length) {
    if (entries[i].kind === 'file') {
      let end = i + 1;
      while (end < entries.length && end - i < MAX_BATCH && entries[end].kind === 'file') end++;
      i += await dumpFiles(ctx, dumper, dir.abs, prefix, entries.slice(i, end).map((e) => e.name));
      pacer.turned();
      if (ctx.out.hasReady()) yield* ctx.out.drain();
      if (i === end) continue;
    }
    const entry = entries[i++];
    yield* dumpMember(ctx, prefix + entry.name, path.join(dir.abs, entry.name), entry.kind);
    yield* pacer.handOn(ctx.out);
  }
}

/** Dumps a prefix of `names` natively into the current chunk; returns how many. */
async function dumpFiles(ctx: DumpContext, dumper: NativeTarFileDumper, dir: string, prefix: string, names: string[]): Promise<number> {
  const { buf, offset } = ctx.out.cursor();
  const [handled, end, bytesRead] = await dumper.dump(dir, prefix, names, buf, offset);
  ctx.out.commit(end - offset);
  ctx.stats.files += handled;
  ctx.stats.bytesRead += bytesRead;
  return handled;
}
