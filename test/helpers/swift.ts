// A real Swift (with s3api, TempAuth, and optionally a real Keystone v3 in front of a second
// proxy), run by test/services/swift.sh. One Swift serves every suite of a mocha run: `start`
// reuses healthy servers and no suite stops the shared one, so suites never race over it (the
// fault tests stop only their own extra proxy). What this run started, it stops at the end of
// the run; servers that were already up (a developer's own) are left running.
import { parseEnvLines, runServiceScript, serviceScript, startOrSkip } from './service-script.js';

export const SWIFT_SCRIPT = serviceScript('swift.sh');

export interface SwiftInfo {
  /** TempAuth v1.0 */
  authUrl: string;
  user: string;
  key: string;
  storageUrl: string;
  proxyPort: number;
  s3: { endpoint: string; region: string; accessKey: string; secretKey: string };
  /** Present when started with Keystone: OS_* variables for user tester in project test. */
  keystone?: { authUrl: string; proxyPort: number; env: Record<string, string> };
}

const swift = (args: string[]) => runServiceScript(SWIFT_SCRIPT, args);

export async function swiftEnv(keystone = false): Promise<SwiftInfo> {
  const env = parseEnvLines((await swift(['env', ...(keystone ? ['--keystone'] : [])])).stdout);
  return {
    authUrl: env.SWIFT_AUTH_URL,
    user: env.SWIFT_USER,
    key: env.SWIFT_KEY,
    storageUrl: env.SWIFT_STORAGE_URL,
    proxyPort: Number(env.SWIFT_PROXY_PORT),
    s3: { endpoint: env.S3_ENDPOINT, region: env.S3_REGION, accessKey: env.S3_ACCESS_KEY, secretKey: env.S3_SECRET_KEY },
    keystone: keystone
      ? {
          authUrl: env.KEYSTONE_AUTH_URL,
          proxyPort: Number(env.SWIFT_KS_PROXY_PORT),
          env: Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('OS_'))),
        }
      : undefined,
  };
}

/** What this run started: 'swift' (everything) or 'keystone' (only Keystone and its proxy). */
let startedHere: 'swift' | 'keystone' | null = null;

const isUp = (keystone: boolean) =>
  swift(['status', ...(keystone ? ['--keystone'] : [])]).then(
    () => true,
    () => false,
  );

export async function startSwift(keystone = false): Promise<SwiftInfo> {
  if (startedHere !== 'swift') {
    if (!(await isUp(false))) startedHere = 'swift';
    else if (keystone && !startedHere && !(await isUp(true))) startedHere = 'keystone';
  }
  await swift(['start', ...(keystone ? ['--keystone'] : [])]);
  return swiftEnv(keystone);
}

// A root-level hook (this module is loaded with the spec files): runs once, after every suite.
after(async function () {
  if (!startedHere) return;
  this.timeout(120_000);
  await swift(['stop', ...(startedHere === 'keystone' ? ['--keystone'] : [])]);
  startedHere = null;
});

export function startSwiftOrSkip(ctx: Mocha.Context, keystone = false): Promise<SwiftInfo> {
  return startOrSkip(ctx, keystone ? 'swift (keystone)' : 'swift', () => startSwift(keystone));
}

/** An extra TempAuth proxy on `port` over the same backends, for fault tests. */
export async function swiftProxy(action: 'start' | 'stop', port: number): Promise<void> {
  await swift(['proxy', action, String(port)]);
}
