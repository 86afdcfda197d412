// uid/gid → user/group names for the uname/gname header fields. GNU tar asks NSS; reading
// /etc/passwd and /etc/group covers the local accounts, and an unknown id is left empty
// (GNU tar does the same, and extraction then uses the numeric id).
import { readFileSync } from 'node:fs';

export interface IdNames {
  user(uid: number): string;
  group(gid: number): string;
  /** Every id with a name, for the native writer (an id not here gets ''). */
  readonly users: ReadonlyMap<number, string>;
  readonly groups: ReadonlyMap<number, string>;
}

function parseIdFile(path: string): Map<number, string> {
  const names = new Map<number, string>();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return names;
  }
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    const id = Number(fields[2]);
    // The first entry for an id wins, as with getpwuid() on a files backend.
    if (fields.length >= 3 && fields[0] && Number.isInteger(id) && !names.has(id)) names.set(id, fields[0]);
  }
  return names;
}

let cached: IdNames | undefined;

export function localIdNames(): IdNames {
  if (!cached) {
    const users = parseIdFile('/etc/passwd');
    const groups = parseIdFile('/etc/group');
    cached = { user: (uid) => users.get(uid) ?? '', group: (gid) => groups.get(gid) ?? '', users, groups };
  }
  return cached;
}

export const noIdNames: IdNames = { user: () => '', group: () => '', users: new Map(), groups: new Map() };
