// Opens the storages a run uses from their typed settings (config/storage-settings.ts builds
// them from the options): one backend per storage, each composed with its label, retries and
// the shared bandwidth limits, several fanned out into one (compose.ts). Backends with heavy
// dependencies (ssh2, the HTTP stack) are loaded only when a storage of theirs is used.
import type { Logger } from '../base/log.js';
import { LocalStore } from './local.js';
import type { ObjectStore, Storage } from './storage.js';
import { composeStorage, type ComposeOptions } from './compose.js';
import type { SshStoreOptions } from './ssh.js';
import type { SwiftStoreOptions } from './swift.js';
import type { S3StoreOptions } from './s3.js';

/** One storage: its backend's settings, and the job file section it comes from (if any). */
export type StoreSettings = { section?: string } & (
  | { backend: 'local'; root: string; /** How messages name the root: `--container`, or the section's key. */ rootLabel: string }
  | { backend: 'ssh'; ssh: Omit<SshStoreOptions, 'log'> }
  | { backend: 'swift'; swift: SwiftStoreOptions }
  | { backend: 's3'; s3: S3StoreOptions }
);

async function openBackend(s: StoreSettings, dryRun: boolean, log: Logger): Promise<ObjectStore> {
  switch (s.backend) {
    case 'local': {
      const store = new LocalStore(s.root, s.rootLabel);
      await store.checkRoot();
      if (!dryRun) await store.sweepStale();
      return store;
    }
    case 'ssh':
      return new (await import('./ssh.js')).SshStore({ ...s.ssh, log });
    case 'swift': {
      const c = s.swift.credentials;
      log.debug(`swift: ${c.version === '1' ? 'TempAuth' : 'Keystone v3'} at ${c.authUrl || c.storageUrl}`);
      return new (await import('./swift.js')).SwiftStore(s.swift);
    }
    case 's3':
      return new (await import('./s3.js')).S3Store({ ...s.s3, onNotice: (m) => log.info(m) });
  }
}

/**
 * The Storage of a run. With several storages (`[storage:NAME]` sections) every message names
 * the section too.
 */
export async function openStorage(stores: readonly StoreSettings[], compose: ComposeOptions, log: Logger): Promise<Storage> {
  const backends: ObjectStore[] = [];
  try {
    for (const s of stores) backends.push(await openBackend(s, compose.dryRun === true, log));
  } catch (err) {
    await Promise.allSettled(backends.map(async (b) => b.close?.()));
    throw err;
  }
  const labels = stores.map((s) => (s.section ? `[storage:${s.section}]` : undefined));
  return composeStorage(backends, { ...compose, labels });
}
