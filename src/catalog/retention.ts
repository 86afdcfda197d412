// Retention for `--action admin`. Unlike Freezer (which drops whole chains by the age of their
// level 0, newer increments included), a backup is removed only when it is older than the
// cutoff and no kept backup depends on it; the newest chain is never touched.
import type { Chain, Member } from './chains.js';

export interface RemovalPlan {
  /** Whole chains to remove (every member expired and unneeded). */
  chains: Chain[];
  /** Single members to remove from chains that stay. */
  members: Member[];
}

const key = (m: Member) => `${m.level}_${m.ts}`;

function neededMembers(chain: Chain, cutoffSec: number): Set<string> {
  const byName = new Map(chain.members.map((m) => [key(m), m]));
  const needed = new Set<string>();
  for (const m of chain.members) {
    if (m.ts <= cutoffSec) continue;
    for (let cur: Member | undefined = m; cur && !needed.has(key(cur)); cur = cur.parent ? byName.get(cur.parent) : undefined) {
      needed.add(key(cur));
    }
  }
  return needed;
}

export function planRemoval(chains: Chain[], cutoffSec: number): RemovalPlan {
  const plan: RemovalPlan = { chains: [], members: [] };
  chains.slice(0, -1).forEach((chain) => {
    const needed = neededMembers(chain, cutoffSec);
    if (needed.size === 0) {
      plan.chains.push(chain);
      return;
    }
    for (const m of chain.members) if (!needed.has(key(m))) plan.members.push(m);
  });
  return plan;
}
