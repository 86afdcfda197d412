// Swift authentication: Keystone v3 (password or token; the object-store endpoint from the
// catalog) and TempAuth v1.0, from typed credentials (config/swift-settings.ts reads them).
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

function authFault(c: SwiftCredentials, status: number, detail: string): StorageFault {
  const kind = status >= 500 || status === 429 || status === 0 ? 'retryable' : 'permanent';
  const why = status === 401 ? 'the credentials were refused (HTTP 401)' : detail;
  return new StorageFault(kind, `swift: authentication at ${c.authUrl} failed: ${why}`);
}

async function tempAuth(http: HttpClient, c: SwiftCredentials): Promise<SwiftSession> {
  const res = await http.request({
    method: 'GET',
    url: new URL(c.authUrl),
    headers: { 'x-auth-user': c.username!, 'x-auth-key': c.password! },
  });
  const body = await readAll(res, http.timeoutMs, 1 << 20);
  if (res.statusCode !== 200 && res.statusCode !== 204)
    throw authFault(c, res.statusCode!, `HTTP ${res.statusCode} ${body.toString('utf8').trim().slice(0, 200)}`);
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
  const scope = c.projectId
    ? { project: { id: c.projectId } }
    : c.projectName
      ? { project: { name: c.projectName, domain: { name: c.projectDomainName } } }
      : undefined;
  const identity =
    c.token && !c.password
      ? { methods: ['token'], token: { id: c.token } }
      : { methods: ['password'], password: { user: { name: c.username, domain: { name: c.userDomainName }, password: c.password } } };
  const body = Buffer.from(JSON.stringify({ auth: { identity, ...(scope ? { scope } : {}) } }));
  const res = await http.request({
    method: 'POST',
    url: new URL(`${v3Base(c.authUrl)}/auth/tokens`),
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body,
  });
  const text = (await readAll(res, http.timeoutMs)).toString('utf8');
  if (res.statusCode !== 201 && res.statusCode !== 200) {
    let detail = text.trim().slice(0, 200);
    try {
      detail = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? detail;
    } catch {
      /* not JSON: keep the text */
    }
    throw authFault(c, res.statusCode!, `HTTP ${res.statusCode}: ${detail}`);
  }
  const token = res.headers['x-subject-token'];
  if (typeof token !== 'string') throw authFault(c, 0, 'the answer has no X-Subject-Token');
  if (c.storageUrl) return { token, storageUrl: c.storageUrl };
  let catalog: CatalogEntry[] = [];
  try {
    catalog = (JSON.parse(text) as { token?: { catalog?: CatalogEntry[] } }).token?.catalog ?? [];
  } catch {
    /* checked below */
  }
  const endpoints = catalog
    .filter((e) => e.type === 'object-store')
    .flatMap((e) => e.endpoints)
    .filter((e) => e.interface === c.interface && (!c.regionName || e.region === c.regionName || e.region_id === c.regionName));
  if (!endpoints.length) {
    throw new StorageFault(
      'permanent',
      `swift: the Keystone catalog at ${c.authUrl} has no ${c.interface} object-store endpoint${c.regionName ? ` in region ${c.regionName}` : ''}`,
    );
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
