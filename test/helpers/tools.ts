// Peer tools the suites need (freezer-agent, GNU tar, openssl, stock compressors). They are
// installed by .ci/run; a missing one is a failure that says how to install it, not a skip.
import { spawnSync } from 'node:child_process';

const PACKAGES: Record<string, string> = {
  'freezer-agent': 'python3-freezer',
  tar: 'tar',
  openssl: 'openssl',
  gzip: 'gzip',
  bzip2: 'bzip2',
  xz: 'xz-utils',
  zstd: 'zstd',
  pigz: 'pigz',
  rdiff: 'rdiff',
};

export function requireTool(name: string): void {
  const r = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', name]);
  if (r.status !== 0) {
    throw new Error(`${name} is not installed: apt-get install -y ${PACKAGES[name] ?? name} (.ci/run installs it)`);
  }
}

/** Dummy Keystone settings: freezer-agent 13 insists on them even for local storage. */
export const FREEZER_ENV = {
  OS_AUTH_URL: 'http://127.0.0.1:5999/v3',
  OS_USERNAME: 'x',
  OS_PASSWORD: 'x',
  OS_PROJECT_NAME: 'x',
  OS_USER_DOMAIN_NAME: 'Default',
  OS_PROJECT_DOMAIN_NAME: 'Default',
};
