// The typed settings of a Swift storage: credentials per key from an `osrc` file named in the
// storage's `[storage:NAME]` section, else the `--os-*` options, else the `OS_*` environment, as
// freezer-agent reads them (its own osrc support crashes: docs/FREEZER.md §6), and the CA bundle.
import fs from 'node:fs';
import { configError, usageError } from '../base/errors.js';
import type { SwiftCredentials } from '../storage/swift-auth.js';
import type { SwiftStoreOptions } from '../storage/swift.js';
import type { StorageScope } from './storage-scope.js';

/** The string options a Swift storage reads. */
type SwiftKey =
  | 'os_auth_url'
  | 'os_storage_url'
  | 'os_token'
  | 'os_identity_api_version'
  | 'os_username'
  | 'os_password'
  | 'os_project_name'
  | 'os_project_id'
  | 'os_user_domain_name'
  | 'os_project_domain_name'
  | 'os_region_name'
  | 'os_interface';

/** `export KEY=VALUE` lines of an OpenStack rc file (quotes removed, nothing expanded). */
export function parseOsrc(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(raw);
    if (!m) continue;
    let v = m[2].trim();
    if ((v.startsWith('"') && v.endsWith('"') && v.length >= 2) || (v.startsWith("'") && v.endsWith("'") && v.length >= 2))
      v = v.slice(1, -1);
    env[m[1]] = v;
  }
  return env;
}

/** Reads the credentials; a missing auth URL or user is a usage error naming the options. */
export function swiftCredentials(s: StorageScope, env: NodeJS.ProcessEnv = process.env): SwiftCredentials {
  const where = s.section ? ` (in [storage:${s.section}])` : '';
  let rc: Record<string, string> = {};
  if (typeof s.osrc === 'string' && s.osrc) {
    try {
      rc = parseOsrc(fs.readFileSync(s.osrc, 'utf8'));
    } catch (err) {
      throw configError(`cannot read the osrc file ${s.osrc}${where}: ${(err as Error).message}`);
    }
  }
  const pick = (dest: SwiftKey, ...vars: string[]): string | undefined => {
    for (const v of vars) if (rc[v]) return rc[v];
    if (s[dest]) return s[dest];
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
    else
      throw usageError(
        `--storage swift with Keystone needs --os-project-name or --os-project-id (or OS_PROJECT_NAME/OS_PROJECT_ID)${where}`,
      );
  }
  return c;
}

/** The Swift store's settings; a missing credential or an unreadable CA bundle is an error naming the option. */
export function swiftSettings(s: StorageScope, env: NodeJS.ProcessEnv = process.env): SwiftStoreOptions {
  const credentials = swiftCredentials(s, env);
  let ca: Buffer | undefined;
  const cacert = s.os_cacert || env.OS_CACERT;
  if (cacert) {
    try {
      ca = fs.readFileSync(cacert);
    } catch (err) {
      throw configError(`cannot read --os-cacert ${cacert}: ${(err as Error).message}`);
    }
  }
  return {
    credentials,
    container: s.container ?? '',
    timeoutMs: s.timeout !== undefined && s.timeout > 0 ? s.timeout * 1000 : undefined,
    insecure: s.insecure === true,
    proxy: s.proxy || undefined,
    ca,
  };
}
