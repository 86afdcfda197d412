// Object names of Freezer 13's layout (DESIGN §4):
//   metadata/<engine>/<host>_<name>/<L0TS>/<LVL>_<TS>/metadata
//   data/<engine>/<host>_<name>/<L0TS>/<LVL>_<TS>/{data,engine_metadata}

export interface BackupId {
  engine: string;
  hbn: string;
  l0: number;
  level: number;
  ts: number;
}

export const hbnOf = (hostname: string, backupName: string) => `${hostname}_${backupName}`;
export const memberName = (id: Pick<BackupId, 'level' | 'ts'>) => `${id.level}_${id.ts}`;

export const metadataPrefix = (engine: string, hbn: string) => `metadata/${engine}/${hbn}`;
export const dataPrefix = (engine: string, hbn: string) => `data/${engine}/${hbn}`;

export function metadataPath(id: BackupId): string {
  return `${metadataPrefix(id.engine, id.hbn)}/${id.l0}/${memberName(id)}/metadata`;
}
export function dataPath(id: BackupId): string {
  return `${dataPrefix(id.engine, id.hbn)}/${id.l0}/${memberName(id)}/data`;
}
export function engineMetadataPath(id: BackupId): string {
  return `${dataPrefix(id.engine, id.hbn)}/${id.l0}/${memberName(id)}/engine_metadata`;
}
export function memberMetadataDir(id: BackupId): string {
  return `${metadataPrefix(id.engine, id.hbn)}/${id.l0}/${memberName(id)}`;
}
export function memberDataDir(id: BackupId): string {
  return `${dataPrefix(id.engine, id.hbn)}/${id.l0}/${memberName(id)}`;
}

/** `<LVL>_<TS>` → numbers, or null for names that are not backups. */
export function parseMemberName(name: string): { level: number; ts: number } | null {
  const m = /^(\d+)_(\d+)$/.exec(name);
  return m ? { level: Number(m[1]), ts: Number(m[2]) } : null;
}
