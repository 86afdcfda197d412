// Discovering backups from the `metadata/` tree only, as Freezer does: a member exists when
// its `metadata` object exists (ours is written last and atomically, so a crashed backup is
// invisible). Parents are deterministic: recorded by us, inferred for Freezer's members.
import { integrityError } from '../base/errors.js';
import { readObject, type Storage } from '../storage/storage.js';
import { BackupId, metadataPath, metadataPrefix, parseMemberName } from './layout.js';

export interface Member extends BackupId {
  /** Name `<LVL>_<TS>` of the member this one is an increment of (null for level 0). */
  parent: string | null;
  meta: BackupMetadata;
}

export interface Chain {
  chainStart: number;
  /** Sorted by timestamp, then level. */
  members: Member[];
}

export interface BackupMetadata {
  engine_name?: string;
  compression?: string;
  encryption?: boolean;
  permafrost?: PermafrostMetadata;
  [key: string]: unknown;
}

export interface PermafrostMetadata {
  format: number;
  level: number;
  parent: string | null;
  [key: string]: unknown;
}

async function readJsonFirstLine(storage: Storage, path: string): Promise<BackupMetadata | null> {
  let data: Buffer;
  try {
    data = await readObject(storage, path);
  } catch {
    return null;
  }
  const firstLine = data.toString('utf8').split('\n')[0];
  try {
    return JSON.parse(firstLine) as BackupMetadata;
  } catch {
    return null;
  }
}

/** Freezer members carry no parent: level N's parent is the newest level N-1 made before it. */
function inferParents(members: Member[]): void {
  for (const m of members) {
    if (m.level === 0 || m.parent !== null) continue;
    const candidates = members.filter((p) => p.level === m.level - 1 && p.ts < m.ts);
    const parent = candidates[candidates.length - 1];
    m.parent = parent ? `${parent.level}_${parent.ts}` : null;
  }
}

export async function listChains(storage: Storage, engine: string, chainName: string): Promise<Chain[]> {
  const chains: Chain[] = [];
  for (const name of await storage.list(metadataPrefix(engine, chainName))) {
    if (!/^\d+$/.test(name)) continue;
    const chainStart = Number(name);
    const members: Member[] = [];
    for (const memberName of await storage.list(`${metadataPrefix(engine, chainName)}/${name}`)) {
      const parsed = parseMemberName(memberName);
      if (!parsed) continue;
      const id: BackupId = { engine, chainName, chainStart, ...parsed };
      const meta = await readJsonFirstLine(storage, metadataPath(id));
      if (!meta) continue;
      const parent = parsed.level === 0 ? null : (meta.permafrost?.parent ?? null);
      members.push({ ...id, parent, meta });
    }
    members.sort((a, b) => a.ts - b.ts || a.level - b.level);
    inferParents(members);
    if (members.some((m) => m.level === 0)) chains.push({ chainStart, members });
  }
  return chains.sort((a, b) => a.chainStart - b.chainStart);
}

/** The members to restore, level 0 first, ending with `last`. */
export function restorePath(chain: Chain, last: Member): Member[] {
  const byName = new Map(chain.members.map((m) => [`${m.level}_${m.ts}`, m]));
  const path: Member[] = [last];
  for (let cur = last; cur.level > 0;) {
    const parent = cur.parent ? byName.get(cur.parent) : undefined;
    if (!parent) throw integrityError(`backup ${cur.level}_${cur.ts} of chain ${chain.chainStart} has no parent level ${cur.level - 1}`);
    path.unshift(parent);
    cur = parent;
  }
  return path;
}
