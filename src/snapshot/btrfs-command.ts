// The btrfs command (btrfs-progs), with an argv array: no shell sees a path.
import { execFile } from 'node:child_process';
import { notSupportedError, sourceError } from '../base/errors.js';

export function btrfs(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('btrfs', args, { env: { ...process.env, LC_ALL: 'C' }, timeout: 120_000 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        return reject(
          notSupportedError('--snapshot btrfs needs the btrfs command, which is not installed (Debian: apt-get install btrfs-progs)'),
        );
      }
      const why = stderr.trim().split('\n').filter(Boolean).pop() ?? err.message;
      reject(sourceError(`btrfs ${args.join(' ')} failed: ${why}`, err));
    });
  });
}
