// Confinement of extraction to the target directory. Every member name is split into plain
// components (no absolute names, no `..`), and every parent component is checked with lstat
// so that nothing is ever written through a symlink, whoever created it.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { integrityError, unsafeArchiveError } from '../../base/errors.js';

/**
 * Components of a member name relative to the target; [] is the target itself. Leading `./`
 * and repeated or trailing slashes are dropped.
 */
export function memberComponents(name: string, what = 'member'): string[] {
  if (name.length === 0) throw unsafeArchiveError(`refusing ${what} with an empty name`);
  if (name.includes('\0')) throw unsafeArchiveError(`refusing ${what} "${name.replace(/\0/g, '\\0')}": name contains NUL`);
  if (name.startsWith('/')) throw unsafeArchiveError(`refusing ${what} "${name}": absolute name`);
  const parts = name.split('/').filter((c) => c !== '' && c !== '.');
  if (parts.includes('..')) throw unsafeArchiveError(`refusing ${what} "${name}": name contains ".."`);
  return parts;
}

export type SimulatedKind = 'dir' | 'symlink' | 'other';

/**
 * The target directory. Caches the relative paths already verified to be real directories;
 * whenever a cached directory is removed or renamed the whole cache is dropped, which keeps
 * it sound (a path is cached only after all its parents were).
 */
export class TargetTree {
  private readonly verified = new Set<string>(['']);
  /** dry run: what earlier members of this run would have created. */
  private readonly simulated = new Map<string, SimulatedKind>();

  constructor(
    readonly root: string,
    readonly dryRun: boolean,
  ) {}

  abs(components: readonly string[]): string {
    return components.length === 0 ? this.root : path.join(this.root, ...components);
  }

  /**
   * Ensures every parent of `components` is a real directory inside the target (creating
   * missing ones unless dry-running); returns the parent's absolute path. A symlink anywhere
   * on the way makes the member unsafe.
   */
  async parentOf(components: readonly string[], member: string, create = true): Promise<string> {
    for (let i = 1; i < components.length; i++) {
      await this.checkDirectory(components.slice(0, i), member, create);
    }
    return this.abs(components.slice(0, -1));
  }

  private async checkDirectory(prefix: readonly string[], member: string, create: boolean): Promise<void> {
    const rel = prefix.join('/');
    if (this.verified.has(rel)) return;
    const simulated = this.simulated.get(rel);
    if (simulated === 'symlink') throw traversal(member, rel);
    if (simulated === 'dir') return;
    if (simulated === 'other') throw integrityError(`cannot extract "${member}": "${rel}" is not a directory`);
    const kind = await lstatKind(this.abs(prefix));
    if (kind === 'symlink') throw traversal(member, rel);
    if (kind === 'other') throw integrityError(`cannot extract "${member}": "${rel}" exists and is not a directory`);
    if (kind === 'missing') {
      if (!create) throw integrityError(`cannot extract "${member}": "${rel}" does not exist`);
      if (this.dryRun) {
        this.simulated.set(rel, 'dir');
        return;
      }
      await fsp.mkdir(this.abs(prefix));
    }
    this.verified.add(rel);
  }

  /** Records that a directory was made or checked at `components` (it is a real directory). */
  markDirectory(components: readonly string[]): void {
    if (this.dryRun) this.simulated.set(components.join('/'), 'dir');
    else this.verified.add(components.join('/'));
  }

  /** Something at `components` is being removed or replaced by an object of kind `next`. */
  replaced(components: readonly string[], next?: SimulatedKind): void {
    const rel = components.join('/');
    if (this.verified.has(rel)) this.forgetAll();
    if (this.dryRun && next) {
      if (this.simulated.get(rel) === 'dir') this.forgetSimulatedBelow(rel);
      this.simulated.set(rel, next);
    }
  }

  /** After renames: nothing cached can be trusted. */
  forgetAll(): void {
    this.verified.clear();
    this.verified.add('');
  }

  private forgetSimulatedBelow(rel: string): void {
    for (const key of this.simulated.keys()) if (key.startsWith(`${rel}/`)) this.simulated.delete(key);
  }
}

function traversal(member: string, rel: string) {
  return unsafeArchiveError(`refusing member "${member}": its path goes through the symlink "${rel}"`);
}

export async function lstatKind(abs: string): Promise<'missing' | 'dir' | 'symlink' | 'other'> {
  try {
    const st = await fsp.lstat(abs);
    if (st.isDirectory()) return 'dir';
    return st.isSymbolicLink() ? 'symlink' : 'other';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw err;
  }
}
