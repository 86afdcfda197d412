// The typed settings of an S3 storage: `--endpoint`, `--access-key` and `--secret-key`, each
// falling back to ENDPOINT/ACCESS_KEY/SECRET_KEY as in Freezer; the signing region; the CA
// bundle, read now so that a bad path is a usage error, not a storage fault.
import { readFileSync } from 'node:fs';
import { usageError } from '../base/errors.js';
import type { S3StoreOptions } from '../storage/s3.js';
import type { StorageScope } from './storage-scope.js';

const str = (v: string | undefined): string | undefined => (v ? v : undefined);

/** The section's `region`, then the AWS CLI's variables (AWS_REGION first, as it does). */
function regionOf(s: StorageScope, env: NodeJS.ProcessEnv): string {
  return str(s.region) ?? str(env.AWS_REGION) ?? str(env.AWS_DEFAULT_REGION) ?? 'us-east-1';
}

/** The CA bundle of `--os-cacert` (or OS_CACERT). */
function caOf(s: StorageScope, env: NodeJS.ProcessEnv): Buffer | undefined {
  const file = str(s.os_cacert) ?? str(env.OS_CACERT);
  if (!file) return undefined;
  try {
    return readFileSync(file);
  } catch (err) {
    throw usageError(`invalid value for --os-cacert: cannot read the CA bundle ${file}: ${(err as Error).message}`);
  }
}

export function s3Settings(s: StorageScope, env: NodeJS.ProcessEnv = process.env): S3StoreOptions {
  const where = s.section ? ` (in [storage:${s.section}])` : '';
  const need = (dest: 'endpoint' | 'access_key' | 'secret_key', envName: string): string => {
    const v = str(s[dest]) ?? str(env[envName]);
    if (!v) throw usageError(`--storage s3 needs --${dest.replace('_', '-')} (or the ${envName} environment variable)${where}`);
    return v;
  };
  return {
    endpoint: need('endpoint', 'ENDPOINT'),
    accessKey: need('access_key', 'ACCESS_KEY'),
    secretKey: need('secret_key', 'SECRET_KEY'),
    region: regionOf(s, env),
    container: s.container ?? '',
    timeoutMs: s.timeout !== undefined && s.timeout > 0 ? s.timeout * 1000 : undefined,
    insecure: s.insecure === true,
    proxy: str(s.proxy),
    ca: caOf(s, env),
  };
}
