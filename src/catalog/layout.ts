// Object names of Freezer 13's layout (docs/FORMAT.md §1):
//   metadata/<engine>/<host>_<name>/<L0TS>/<LVL>_<TS>/metadata
//   data/<engine>/<host>_<name>/<L0TS>/<LVL>_<TS>/{data,engine_metadata}

/** One backup: a member of a chain. */
export interface BackupId {
  /** `tar` or `rsync`. */
  engine: string;
  /** `<host>_<name>`: the backups of one name on one host (chainNameOf). */
  chainName: string;
  /** The time stamp of the chain's level 0 (`<L0TS>`), which names the chain. */
  chainStart: number;
  level: number;
  /** This backup's own time stamp (Unix seconds). */
  ts: number;
}

export const chainNameOf = (hostname: string, backupName: string) => `${hostname}_${backupName}`;
export const memberName = (id: Pick<BackupId, 'level' | 'ts'>) => `${id.level}_${id.ts}`;

export const metadataPrefix = (engine: string, chainName: string) => `metadata/${engine}/${chainName}`;
export const dataPrefix = (engine: string, chainName: string) => `data/${engine}/${chainName}`;

export function metadataPath(id: BackupId): string {
  return `${metadataPrefix(id.engine, id.chainName)}/${id.chainStart}/${memberName(id)}/metadata`;
}
export function dataPath(id: BackupId): string {
  return `${dataPrefix(id.engine, id.chainName)}/${id.chainStart}/${memberName(id)}/data`;
}
export function engineMetadataPath(id: BackupId): string {
  return `${dataPrefix(id.engine, id.chainName)}/${id.chainStart}/${memberName(id)}/engine_metadata`;
}
export function memberMetadataDir(id: BackupId): string {
  return `${metadataPrefix(id.engine, id.chainName)}/${id.chainStart}/${memberName(id)}`;
}
export function memberDataDir(id: BackupId): string {
  return `${dataPrefix(id.engine, id.chainName)}/${id.chainStart}/${memberName(id)}`;
}

/** `<LVL>_<TS>` → numbers, or null for names that are not backups. */
export function parseMemberName(name: string): { level: number; ts: number } | null {
  const m = /^(\d+)_(\d+)$/.exec(name);
  return m ? { level: Number(m[1]), ts: Number(m[2]) } : null;
}
