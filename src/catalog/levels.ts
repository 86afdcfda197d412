// Choosing the level of a new backup (docs/FREEZER.md §4) with its defects fixed: ties
// between members of one level go to the newest (not to listing order), and
// --restart-always-level counts days from the chain's level 0.
import type { Chain, Member } from './chains.js';

export interface LevelPolicy {
  noIncremental: boolean;
  maxLevel?: number;
  alwaysLevel?: number;
  restartAlwaysLevelDays?: number;
}

export interface LevelDecision {
  level: number;
  /** Chain to extend (undefined: a new level 0). */
  chain?: Chain;
  parent?: Member;
  reason: string;
}

function newestAtLevel(chain: Chain, level: number): Member | undefined {
  const at = chain.members.filter((m) => m.level === level);
  return at[at.length - 1];
}

export function chooseLevel(chains: Chain[], policy: LevelPolicy, nowSec: number): LevelDecision {
  if (policy.noIncremental) return { level: 0, reason: '--no-incremental' };
  const chain = chains[chains.length - 1];
  if (!chain) return { level: 0, reason: 'no previous backup' };
  const top = Math.max(...chain.members.map((m) => m.level));
  const { maxLevel, alwaysLevel, restartAlwaysLevelDays } = policy;
  if (maxLevel && maxLevel <= top) return { level: 0, reason: `--max-level ${maxLevel} reached` };
  if (alwaysLevel && top > alwaysLevel) return { level: 0, reason: `chain is above --always-level ${alwaysLevel}` };
  if (restartAlwaysLevelDays && nowSec > chain.chainStart + restartAlwaysLevelDays * 86400) {
    return { level: 0, reason: `level 0 older than --restart-always-level ${restartAlwaysLevelDays} days` };
  }
  if (alwaysLevel && top === alwaysLevel) {
    const parent = newestAtLevel(chain, top - 1)!;
    return { level: top, chain, parent, reason: `--always-level ${alwaysLevel}` };
  }
  return { level: top + 1, chain, parent: newestAtLevel(chain, top)!, reason: 'incremental' };
}
