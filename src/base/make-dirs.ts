// `mkdir -p` that always ends. Node 20's recursive mkdir retries a parent for as long as
// mkdir answers ENOENT, and under /proc it always does: `mkdirSync('/proc/x/a', {recursive:
// true})` spins forever. Here every component is created at most a few times (a directory
// removed by another process between two steps is made again), then the walk gives up with
// an error that names the component and says what is wrong with it.
import fs from 'node:fs/promises';
import path from 'node:path';

/** Walks over the whole path again at most this many times after a component vanished. */
const MAX_WALKS = 4;

/** Why a directory could not be made: `component` is the path that failed, `detail` what is wrong with it. */
export class MakeDirsError extends Error {
  constructor(
    readonly target: string,
    readonly component: string,
    readonly code: string,
    readonly detail: string,
  ) {
    super(`${component} ${detail}`);
    this.name = 'MakeDirsError';
  }

  /**
   * In the operator's words: `--container /etc/passwd is a file, not a directory`, or
   * `--restore-abs-path /sys/x/y: /sys/x cannot be created: permission denied (EPERM)`.
   */
  describeFor(option: string, value: string = this.target): string {
    return value === this.component ? `${option} ${value} ${this.detail}` : `${option} ${value}: ${this.component} ${this.detail}`;
  }
}

type Kind = 'dir' | 'other' | 'missing';

async function kindOf(p: string): Promise<Kind> {
  try {
    return (await fs.stat(p)).isDirectory() ? 'dir' : 'other';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // ENOTDIR: a parent is not a directory; the walk up finds which and names it.
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
    throw err;
  }
}

/** What a failed mkdir means, for a message that starts with the directory's path. */
export function mkdirFailure(code: string | undefined, err: unknown): string {
  switch (code) {
    case 'EROFS':
      return 'is on a read-only file system';
    case 'EACCES':
    case 'EPERM':
      return `cannot be created: permission denied (${code})`;
    case 'ENOSPC':
      return 'cannot be created: no space left on the device (ENOSPC)';
    case 'ENOENT':
      return 'cannot be created: its file system refuses new directories there (ENOENT)';
    default:
      return `cannot be created: ${(err as Error).message}`;
  }
}

/**
 * Creates `dir` and its missing parents (each with `mode`). Resolves when `dir` is a directory
 * (following symlinks, as mkdir -p does); rejects with a MakeDirsError otherwise.
 */
export async function makeDirs(dir: string, mode = 0o777): Promise<void> {
  const target = path.resolve(dir);
  let refused = target;
  for (let walk = 0; walk < MAX_WALKS; walk++) {
    // Up to the deepest component that exists; it must be a directory.
    const missing: string[] = [];
    let at = target;
    let kind: Kind;
    try {
      while ((kind = await kindOf(at)) === 'missing' && path.dirname(at) !== at) {
        missing.unshift(at);
        at = path.dirname(at);
      }
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'EIO';
      throw new MakeDirsError(target, at, code, mkdirFailure(code, err));
    }
    if (kind! === 'other') throw new MakeDirsError(target, at, 'ENOTDIR', 'is a file, not a directory');
    if (kind === 'missing') throw new MakeDirsError(target, at, 'ENOENT', 'does not exist');
    let vanished = false;
    for (const component of missing) {
      try {
        await fs.mkdir(component, mode);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') {
          const now = await kindOf(component).catch(() => 'other' as const);
          if (now === 'dir') continue;
          if (now === 'other') throw new MakeDirsError(target, component, 'ENOTDIR', 'is a file, not a directory');
        }
        // A parent removed meanwhile (or a file system that answers ENOENT for good): walk again.
        if (code === 'ENOENT' || code === 'EEXIST') {
          vanished = true;
          refused = component;
          break;
        }
        throw new MakeDirsError(target, component, code ?? 'EIO', mkdirFailure(code, err));
      }
    }
    if (!vanished) return;
  }
  throw new MakeDirsError(target, refused, 'ENOENT', mkdirFailure('ENOENT', null));
}
