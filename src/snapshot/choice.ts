// Which snapshot --snapshot asks for. Freezer 13 reads any non-empty --snapshot as "take an LVM
// snapshot" (docs/FREEZER.md); permafrost keeps that reading for every word but its own three
// (btrfs, lvm, auto) and the false words (false, no, off, 0, none: no snapshot, as for every
// string "boolean"). An --lvm-* option given without --snapshot asks for LVM too.
import type { AgentOptions } from '../config/agent-options.js';
import { OPTIONS } from '../config/options.js';

export type SnapshotChoice = 'btrfs' | 'lvm' | 'auto';

const WORDS: readonly SnapshotChoice[] = ['btrfs', 'lvm', 'auto'];

/** The --lvm-* options given a value other than their default. */
export function lvmOptionsGiven(opts: AgentOptions): string[] {
  const values = opts as unknown as Record<string, unknown>;
  return OPTIONS.filter((o) => o.name.startsWith('lvm-'))
    .filter((o) => values[o.dest] !== undefined && values[o.dest] !== o.default && values[o.dest] !== '')
    .map((o) => `--${o.name}`);
}

/** null: no snapshot. */
export function snapshotChoice(opts: AgentOptions): SnapshotChoice | null {
  const v = opts.snapshot;
  if (v === undefined || v === false) return lvmOptionsGiven(opts).length > 0 ? 'lvm' : null;
  if (v === true) return 'lvm';
  const word = v.trim().toLowerCase();
  return WORDS.find((w) => w === word) ?? 'lvm';
}
