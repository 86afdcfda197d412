// Freezer's consistency check: a backup with --consistency-check records the tree checksum of
// what the engine reads (engines/tree-checksum.ts); a restore with --consistency-checksum X
// checks the restored tree against X before it replaces the target.
import { integrityError } from '../base/errors.js';
import type { Logger } from '../base/log.js';
import type { AgentOptions } from '../config/agent-options.js';
import { treeChecksum } from '../engines/tree-checksum.js';

/**
 * The checksum of `source` (the path the engine reads: the source or its snapshot), taken
 * before the engine starts, as freezer-agent does: the two walks do not compete for the disk,
 * and a snapshot source cannot change between them. Symbolic links are followed when the
 * engine follows them, so the value describes what a restore recreates.
 */
export async function backupConsistency(opts: AgentOptions, source: string, log: Logger): Promise<{ consistency_checksum?: string }> {
  if (!opts.consistency_check) return {};
  const followSymlinks = opts.dereference_symlink === 'soft' || opts.dereference_symlink === 'all';
  const sum = await treeChecksum(source, { followSymlinks, exclude: opts.exclude });
  log.info(`consistency checksum of ${source}: ${sum}`);
  return { consistency_checksum: sum };
}

/**
 * Checks the extracted tree (the staging directory, which becomes the target's contents
 * exactly) against --consistency-checksum. A restore recreates links as links, so they are
 * never followed here.
 */
export async function verifyConsistency(opts: AgentOptions, tree: string, target: string, log: Logger): Promise<void> {
  const wanted = opts.consistency_checksum?.toLowerCase();
  if (!wanted) return;
  if (opts.dry_run) {
    log.warn('--consistency-checksum is not checked in a dry run: nothing is restored');
    return;
  }
  const actual = await treeChecksum(tree, { followSymlinks: false });
  if (actual !== wanted) {
    throw integrityError(
      `consistency check failed: the restored tree's checksum is ${actual}, --consistency-checksum is ${wanted}; ${target} was not changed`,
    );
  }
  log.info(`consistency check passed: ${actual}`);
}
