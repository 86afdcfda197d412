// The metrics as a file for node-exporter's textfile collector (a host without a scrape of its
// own, or a one-shot run): written whole to a temp file in the same directory, then renamed
// over the target, so node-exporter reads the old text or the new, never half of one. The temp
// name does not end in .prom: the collector skips it even while it is being written.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/** Replaces `file` with `text` atomically, mode 0644 (node-exporter often runs as another user). */
export async function writeTextfile(file: string, text: string): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(temp, 'wx', 0o644);
    // The collector wants the last line ended; the umask must not take the others' read bit.
    await handle.writeFile(text.endsWith('\n') ? text : `${text}\n`);
    await handle.chmod(0o644);
    await handle.sync(); // a crash after the rename must not leave an empty file under the real name
    await handle.close();
    await fs.rename(temp, file);
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await fs.rm(temp, { force: true });
    throw new Error(`cannot write the metrics textfile ${file}: ${(err as Error).message}`, { cause: err });
  }
}
