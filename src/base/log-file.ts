// The --log-file sink: one descriptor opened for appending, as Python's FileHandler keeps its
// file open (a log moved away by logrotate goes on receiving lines). With --watch-log-file it
// acts as oslo's WatchedFileHandler: before each line it compares the path's device and inode
// with the open file's and reopens the path when the file was moved or removed.
import { closeSync, fstatSync, openSync, statSync, writeSync } from 'node:fs';

export interface FileSink {
  write(line: string): void;
}

/** `path`'s directory must exist (the agent makes it first, with makeDirs). */
export function fileSink(path: string, watch: boolean): FileSink {
  let fd = openSync(path, 'a');
  let { dev, ino } = fstatSync(fd);
  const moved = (): boolean => {
    try {
      const st = statSync(path);
      return st.dev !== dev || st.ino !== ino;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
      throw err;
    }
  };
  return {
    write(line) {
      if (watch && moved()) {
        closeSync(fd);
        fd = openSync(path, 'a');
        ({ dev, ino } = fstatSync(fd));
      }
      const data = Buffer.from(line);
      for (let at = 0; at < data.length;) at += writeSync(fd, data, at);
    },
  };
}
