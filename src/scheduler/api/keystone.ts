// Keystone v3 authentication for the Freezer API client, as python-freezerclient does it through
// keystoneauth1: a password or an existing token, scoped to a project; from the answer the
// token (X-Subject-Token), the project id (the v2 URLs carry it) and the `backup` service's
// endpoint for the wanted interface and region.
import { FreezerApiError, errorFromResponse, type HttpJson } from './http-json.js';

export interface KeystoneCredentials {
  authUrl: string;
  username?: string;
  password?: string;
  userDomainId?: string;
  userDomainName?: string;
  /** Authenticates with this token instead of a password (keystoneauth's token plugin). */
  token?: string;
  projectId?: string;
  projectName?: string;
  projectDomainId?: string;
  projectDomainName?: string;
  regionName?: string;
  /** public, internal or admin (publicURL... accepted, as keystoneauth does). */
  endpointType: string;
}

export interface KeystoneToken {
  token: string;
  projectId: string;
  /** The catalog's `backup` endpoint for the interface and region; null when it has none. */
  backupUrl: string | null;
  /** ms since the epoch; NaN when Keystone did not say. */
  expiresAt: number;
}

interface CatalogService {
  type?: string;
  endpoints?: Array<{ interface?: string; region?: string; region_id?: string; url?: string }>;
}

interface TokenBody {
  token?: { expires_at?: string; project?: { id?: string }; catalog?: CatalogService[] };
}

const v3Base = (url: string) => url.replace(/\/+$/, '').replace(/\/v3$/, '') + '/v3';

const domain = (id?: string, name?: string) => (id ? { id } : { name: name ?? 'Default' });

function authBody(c: KeystoneCredentials): unknown {
  const identity =
    c.username && c.password
      ? {
          methods: ['password'],
          password: { user: { name: c.username, domain: domain(c.userDomainId, c.userDomainName), password: c.password } },
        }
      : { methods: ['token'], token: { id: c.token } };
  const scope = c.projectId
    ? { project: { id: c.projectId } }
    : c.projectName
      ? { project: { name: c.projectName, domain: domain(c.projectDomainId, c.projectDomainName) } }
      : undefined;
  return { auth: { identity, ...(scope ? { scope } : {}) } };
}

export function backupEndpoint(catalog: CatalogService[], endpointType: string, regionName?: string): string | null {
  const wanted = endpointType.replace(/URL$/, '');
  for (const service of catalog) {
    if (service.type !== 'backup') continue;
    for (const e of service.endpoints ?? []) {
      if (e.interface !== wanted || !e.url) continue;
      if (regionName && e.region !== regionName && e.region_id !== regionName) continue;
      return e.url.replace(/\/+$/, '');
    }
  }
  return null;
}

/** POST /v3/auth/tokens. A refusal (401) or a token without a project is not retryable. */
export async function keystoneAuthenticate(http: HttpJson, c: KeystoneCredentials): Promise<KeystoneToken> {
  const url = `${v3Base(c.authUrl)}/auth/tokens`;
  let res;
  try {
    res = await http.request('POST', url, authBody(c));
  } catch (err) {
    if (err instanceof FreezerApiError)
      throw new FreezerApiError(0, 'Keystone unreachable', `Keystone: ${err.description}`, err.retryable, 'POST', url, { cause: err });
    throw err;
  }
  if (res.status !== 201 && res.status !== 200) {
    const e = errorFromResponse(res);
    throw new FreezerApiError(e.status, e.title, `Keystone refused the authentication: ${e.description}`, e.retryable, 'POST', url);
  }
  const token = res.headers['x-subject-token'];
  const body = (res.body ?? {}) as TokenBody;
  const projectId = body.token?.project?.id;
  if (typeof token !== 'string' || !token)
    throw new FreezerApiError(res.status, 'Bad answer', 'Keystone answered without an X-Subject-Token', false, 'POST', url);
  if (!projectId) {
    throw new FreezerApiError(
      res.status,
      'Unscoped token',
      'Keystone gave a token without a project: set --os-project-name or --os-project-id',
      false,
      'POST',
      url,
    );
  }
  return {
    token,
    projectId,
    backupUrl: backupEndpoint(body.token?.catalog ?? [], c.endpointType, c.regionName),
    expiresAt: Date.parse(body.token?.expires_at ?? ''),
  };
}
