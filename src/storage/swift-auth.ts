// Swift authentication: Keystone v3 (password or token; the object-store endpoint from the
// catalog) and TempAuth v1.0. Settings come, per key, from an `osrc` file named in the storage's
// `[storage:NAME]` section, else the `--os-*` options, else the `OS_*` environment, as
// freezer-agent reads them (its own osrc support crashes, reference §9 #38).
import fs from 'node:fs';
import { configError, usageError } from '../errors.js';
import { HttpClient, netErrorText, netFaultKind, readAll } from './http.js';
import { StorageFault } from './storage.js';

export interface SwiftCredentials {
  authUrl: string;
  /** '1' selects TempAuth; anything else Keystone v3 (Freezer forces 3 as well). */
  version: '1' | '3';
  username?: string;
  password?: string;
  token?: string;
  projectName?: string;
  projectId?: string;
  userDomainName: string;
  projectDomainName: string;
  regionName?: string;
  interface: string;
  /** Use this storage URL instead of the catalog's / TempAuth's. */
  storageUrl?: string;
}

export interface SwiftSession {
  token: string;
  storageUrl: string;
}

/** `export KEY=VALUE` lines of an OpenStack rc file (quotes removed, nothing expanded). */
export function parseOsrc(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(raw);
    if (!m) continue;
    let v = m[2].trim();
    if ((v.startsWith('"') && v.endsWith('"') && v.length >= 2) || (v.startsWith("'") && v.endsWith("'") && v.length >= 2)) v = v.slice(1, -1);
    env[m[1]] = v;
  }
  return env;
}

type Settings = Record<string, unknown>;

/** Reads the credentials; a missing auth URL or user is a usage error naming the options. */
export function swiftCredentials(s: Settings, env: NodeJS.ProcessEnv = process.env): SwiftCredentials {
  const where = typeof s.name === 'string' && s.name !== 'swift' ? ` (in [storage:${s.name}])` : '';
  let rc: Record<string, string> = {};
  if (typeof s.osrc === 'string' && s.osrc) {
    try {
      rc = parseOsrc(fs.readFileSync(s.osrc, 'utf8'));
    } catch (err) {
      throw configError(`cannot read the osrc file ${s.osrc}${where}: ${(err as Error).message}`);
    }
  }
  const pick = (dest: string, ...vars: string[]): string | undefined => {
    for (const v of vars) if (rc[v]) return rc[v];
    if (typeof s[dest] === 'string' && s[dest]) return s[dest] as string;
    for (const v of vars) if (env[v]) return env[v];
    return undefined;
  };
  const authUrl = pick('os_auth_url', 'OS_AUTH_URL');
  const storageUrl = pick('os_storage_url', 'OS_STORAGE_URL');
  const token = pick('os_token', 'OS_TOKEN', 'OS_AUTH_TOKEN');
  if (!authUrl && !(storageUrl && token)) {
    throw usageError(`--storage swift needs --os-auth-url (or OS_AUTH_URL, or an osrc file in a [storage:NAME] section)${where}`);
  }
  const explicitVersion = pick('os_identity_api_version', 'OS_IDENTITY_API_VERSION', 'OS_AUTH_VERSION');
  const version = explicitVersion === '1' || (!explicitVersion && /\/v1(\.0)?\/?$/.test(authUrl ?? '')) ? '1' : '3';
  const c: SwiftCredentials = {
    authUrl: authUrl ?? '',
    version,
    username: pick('os_username', 'OS_USERNAME'),
    password: pick('os_password', 'OS_PASSWORD'),
    token,
    projectName: pick('os_project_name', 'OS_PROJECT_NAME', 'OS_TENANT_NAME'),
    projectId: pick('os_project_id', 'OS_PROJECT_ID', 'OS_TENANT_ID'),
    userDomainName: pick('os_user_domain_name', 'OS_USER_DOMAIN_NAME') ?? 'Default',
    projectDomainName: pick('os_project_domain_name', 'OS_PROJECT_DOMAIN_NAME') ?? 'Default',
    regionName: pick('os_region_name', 'OS_REGION_NAME'),
    interface: (pick('os_interface', 'OS_INTERFACE', 'OS_ENDPOINT_TYPE') ?? 'public').replace(/URL$/, ''),
    storageUrl,
  };
  if (!c.token && !(c.username && c.password)) {
    throw usageError(`--storage swift needs --os-username and --os-password (or OS_USERNAME/OS_PASSWORD), or --os-token${where}`);
  }
  if (c.version === '3' && !c.token && !c.projectName && !c.projectId && !c.storageUrl) {
    // swiftclient derives the project from `project:user`, as TempAuth names users.
    const i = c.username!.indexOf(':');
    if (i > 0) [c.projectName, c.username] = [c.username!.slice(0, i), c.username!.slice(i + 1)];
    else throw usageError(`--storage swift with Keystone needs --os-project-name or --os-project-id (or OS_PROJECT_NAME/OS_PROJECT_ID)${where}`);
  }
  return c;
}

function authFault(c: SwiftCredentials, status: number, detail: string): StorageFault {
  const kind = status >= 500 || status === 429 || status === 0 ? 'retryable' : 'permanent';
  const why = status === 401 ? 'the credentials were refused (HTTP 401)' : detail;
  return new StorageFault(kind, `swift: authentication at ${c.authUrl} failed: ${why}`);
}

async function tempAuth(http: HttpClient, c: SwiftCredentials): Promise<SwiftSession> {
  const res = await http.request({ method: 'GET', url: new URL(c.authUrl), headers: { 'x-auth-user': c.username!, 'x-auth-key': c.password! } });
  const body = await readAll(res, http.timeoutMs, 1 << 20);
  if (res.statusCode !== 200 && res.statusCode !== 204) throw authFault(c, res.statusCode!, `HTTP ${res.statusCode} ${body.toString('utf8').trim().slice(0, 200)}`);
  const token = res.headers['x-auth-token'] ?? res.headers['x-storage-token'];
  const url = res.headers['x-storage-url'];
  if (typeof token !== 'string' || typeof url !== 'string') throw authFault(c, 0, 'the answer has no X-Auth-Token or X-Storage-Url');
  return { token, storageUrl: c.storageUrl ?? url };
}

const v3Base = (url: string) => url.replace(/\/+$/, '').replace(/\/v3$/, '') + '/v3';

interface CatalogEntry {
  type: string;
  endpoints: Array<{ interface: string; region?: string; region_id?: string; url: string }>;
}

async function keystoneV3(http: HttpClient, c: SwiftCredentials): Promise<SwiftSession> {
  const scope = c.projectId ? { project: { id: c.projectId } } : c.projectName ? { project: { name: c.projectName, domain: { name: c.projectDomainName } } } : undefined;
  const identity = c.token && !c.password
    ? { methods: ['token'], token: { id: c.token } }
    : { methods: ['password'], password: { user: { name: c.username, domain: { name: c.userDomainName }, password: c.password } } };
  const body = Buffer.from(JSON.stringify({ auth: { identity, ...(scope ? { scope } : {}) } }));
  const res = await http.request({ method: 'POST', url: new URL(`${v3Base(c.authUrl)}/auth/tokens`), headers: { 'content-type': 'application/json', accept: 'application/json' }, body });
  const text = (await readAll(res, http.timeoutMs)).toString('utf8');
  if (res.statusCode !== 201 && res.statusCode !== 200) {
    let detail = text.trim().slice(0, 200);
    try { detail = JSON.parse(text).error?.message ?? detail; } catch { /* not JSON: keep the text */ }
    throw authFault(c, res.statusCode!, `HTTP ${res.statusCode}: ${detail}`);
  }
  const token = res.headers['x-subject-token'];
  if (typeof token !== 'string') throw authFault(c, 0, 'the answer has no X-Subject-Token');
  if (c.storageUrl) return { token, storageUrl: c.storageUrl };
  let catalog: CatalogEntry[] = [];
  try { catalog = JSON.parse(text).token?.catalog ?? []; } catch { /* checked below */ }
  const endpoints = catalog.filter((e) => e.type === 'object-store').flatMap((e) => e.endpoints)
    .filter((e) => e.interface === c.interface && (!c.regionName || e.region === c.regionName || e.region_id === c.regionName));
  if (!endpoints.length) {
    throw new StorageFault('permanent', `swift: the Keystone catalog at ${c.authUrl} has no ${c.interface} object-store endpoint${c.regionName ? ` in region ${c.regionName}` : ''}`);
  }
  return { token, storageUrl: endpoints[0].url };
}

/** Authenticates once; network errors are faults classified like any request's. */
export async function authenticate(http: HttpClient, c: SwiftCredentials): Promise<SwiftSession> {
  if (c.token && c.storageUrl && !c.password) return { token: c.token, storageUrl: c.storageUrl };
  try {
    return await (c.version === '1' ? tempAuth(http, c) : keystoneV3(http, c));
  } catch (err) {
    if (err instanceof StorageFault) throw err;
    throw new StorageFault(netFaultKind(err), `swift: cannot reach ${c.authUrl}: ${netErrorText(err)}`, { cause: err });
  }
}
