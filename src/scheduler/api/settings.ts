// Where the Freezer API is and how to authenticate to it, from freezer-scheduler's option names
// (os_auth_url, os_backup_url, ..., insecure, enable_v1_api; a config file's dest names or the
// command line's dashed ones), each defaulting to the matching OS_* environment variable as
// freezer-scheduler's do. Missing pieces are refused here, naming the option to set.
import { usageError } from '../../base/errors.js';
import type { HttpJsonOptions } from './http-json.js';
import type { KeystoneCredentials } from './keystone.js';

export interface FreezerApiSettings {
  /** The API's root URL (no /v2); null: the `backup` endpoint of Keystone's catalog. */
  backupUrl: string | null;
  /** Present when a token must come from Keystone. */
  keystone: KeystoneCredentials | null;
  /** A token used as is (with backupUrl and, for v2, projectId: no Keystone at all). */
  token: string | null;
  projectId: string | null;
  apiVersion: 1 | 2;
  http: HttpJsonOptions;
}

type Options = Record<string, string | boolean | undefined>;

const ENDPOINT_TYPES = ['public', 'publicURL', 'internal', 'internalURL', 'admin', 'adminURL'];
const DEFAULT_TIMEOUT_MS = 30_000;

function truthy(v: string | boolean | undefined): boolean {
  return v === true || (typeof v === 'string' && /^(1|true|yes|on)$/i.test(v.trim()));
}

export function apiSettingsFrom(options: Options, env: NodeJS.ProcessEnv): FreezerApiSettings {
  const opt = (name: string): string | boolean | undefined => options[name] ?? options[name.replace(/_/g, '-')];
  // an option given as '' counts as not given, like an empty OS_* variable
  const str = (name: string, ...vars: string[]): string | undefined => {
    const v = opt(name);
    if (typeof v === 'string' && v !== '') return v;
    for (const e of vars) if (env[e]) return env[e];
    return undefined;
  };
  const authUrl = str('os_auth_url', 'OS_AUTH_URL');
  const backupUrl = str('os_backup_url', 'OS_BACKUP_URL')?.replace(/\/+$/, '') ?? null;
  const token = str('os_token', 'OS_TOKEN') ?? null;
  const username = str('os_username', 'OS_USERNAME');
  const password = str('os_password', 'OS_PASSWORD');
  const projectId = str('os_project_id', 'OS_PROJECT_ID', 'OS_TENANT_ID') ?? null;
  const endpointType = str('os_endpoint_type', 'OS_ENDPOINT_TYPE', 'OS_INTERFACE') ?? 'public';
  const v1 = opt('enable_v1_api') !== undefined ? truthy(opt('enable_v1_api')) : env.OS_BACKUP_API_VERSION === '1';
  const insecure = opt('insecure') !== undefined ? truthy(opt('insecure')) : truthy(env.OS_INSECURE);
  const apiVersion = v1 ? 1 : 2;

  if (!ENDPOINT_TYPES.includes(endpointType)) {
    throw usageError(`--os-endpoint-type ${endpointType}: want one of ${ENDPOINT_TYPES.join(', ')}`);
  }
  if (!authUrl && !backupUrl) throw usageError('no Freezer API: set --os-backup-url or --os-auth-url (or OS_AUTH_URL)');
  // freezerclient always asks Keystone; with a URL and a token (and the project for v2) there
  // is nothing Keystone could add, so no Keystone is needed.
  const direct = backupUrl !== null && token !== null && (apiVersion === 1 || projectId !== null);
  if (!direct && !authUrl) {
    const missing = token === null ? '--os-token (or OS_TOKEN)' : '--os-project-id (or OS_PROJECT_ID), which the v2 URLs carry,';
    throw usageError(`--os-backup-url ${backupUrl} without Keystone needs ${missing} or set --os-auth-url (or OS_AUTH_URL)`);
  }
  if (!direct && !(username && password) && !token) {
    throw usageError(
      `Keystone at ${authUrl}: set --os-username and --os-password (or OS_USERNAME and OS_PASSWORD), or --os-token (or OS_TOKEN)`,
    );
  }
  const keystone: KeystoneCredentials | null = direct
    ? null
    : {
        authUrl: authUrl!,
        username,
        password,
        token: token ?? undefined,
        userDomainId: str('os_user_domain_id', 'OS_USER_DOMAIN_ID'),
        userDomainName: str('os_user_domain_name', 'OS_USER_DOMAIN_NAME'),
        projectId: projectId ?? undefined,
        projectName: str('os_project_name', 'OS_PROJECT_NAME', 'OS_TENANT_NAME'),
        projectDomainId: str('os_project_domain_id', 'OS_PROJECT_DOMAIN_ID'),
        projectDomainName: str('os_project_domain_name', 'OS_PROJECT_DOMAIN_NAME'),
        regionName: str('os_region_name', 'OS_REGION_NAME'),
        endpointType,
      };
  return {
    backupUrl,
    keystone,
    token,
    projectId,
    apiVersion,
    http: { timeoutMs: DEFAULT_TIMEOUT_MS, insecure, caFile: str('os_cacert', 'OS_CACERT') },
  };
}
