// The typed settings of the storages a run uses, from its options: the flat `--storage` and
// `--container` with their backend's options, or one storage per `[storage:NAME]` section of
// the job file (its keys over the flat options, which are then not used for data, as in
// Freezer). src/storage/ reads no options: it gets these.
import path from 'node:path';
import type { AgentOptions } from './agent-options.js';
import type { StorageScope } from './storage-scope.js';
import type { ComposeOptions } from '../storage/compose.js';
import type { StoreSettings } from '../storage/open.js';
import { DEFAULT_RETRY } from '../storage/retry.js';
import { notSupportedError } from '../base/errors.js';

export interface StorageSetup {
  stores: StoreSettings[];
  /** Retries, limits, segment size and queue: the same for every storage of the run. */
  compose: ComposeOptions;
  /** What the operator is told before anything is read or written (a default container). */
  notices: string[];
}

function scopes(o: AgentOptions): StorageScope[] {
  if (o.storages?.length) return o.storages.map(({ name, ...keys }) => ({ ...o, ...keys, section: name }));
  return [{ ...o }];
}

async function settingsOf(s: StorageScope): Promise<StoreSettings> {
  const section = s.section;
  switch (s.storage) {
    case 'local': {
      const root = path.resolve(s.container!);
      return { section, backend: 'local', root, rootLabel: section ? `[storage:${section}] container` : '--container' };
    }
    case 'ssh':
      return { section, backend: 'ssh', ssh: (await import('./ssh-settings.js')).sshSettings(s) };
    case 'swift':
      return { section, backend: 'swift', swift: (await import('./swift-settings.js')).swiftSettings(s) };
    case 's3':
      return { section, backend: 's3', s3: (await import('./s3-settings.js')).s3Settings(s) };
    default:
      throw notSupportedError(`not supported yet: --storage ${s.storage}`);
  }
}

export async function storageSetup(o: AgentOptions): Promise<StorageSetup> {
  const notices: string[] = [];
  if (!o.storages?.length && o.storage === 'local' && o.container_defaulted) {
    // Freezer's default is a directory named freezer_backups wherever the agent was started.
    notices.push(`no --container given: using Freezer's default, ./${o.container} (${path.resolve(o.container)})`);
  }
  const stores: StoreSettings[] = [];
  for (const s of scopes(o)) stores.push(await settingsOf(s));
  return {
    stores,
    notices,
    compose: {
      partSize: o.max_segment_size,
      queue: o.upload_queue_size,
      uploadLimit: o.upload_limit,
      downloadLimit: o.download_limit,
      dryRun: o.dry_run,
      retry: { ...DEFAULT_RETRY, attempts: o.storage_retries + 1 },
    },
  };
}
