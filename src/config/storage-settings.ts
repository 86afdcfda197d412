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

function scopes(opts: AgentOptions): StorageScope[] {
  if (opts.storages?.length) return opts.storages.map(({ name, ...keys }) => ({ ...opts, ...keys, section: name }));
  return [{ ...opts }];
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

export async function storageSetup(opts: AgentOptions): Promise<StorageSetup> {
  const notices: string[] = [];
  if (!opts.storages?.length && opts.storage === 'local' && opts.container_defaulted) {
    // Freezer's default is a directory named freezer_backups wherever the agent was started.
    notices.push(`no --container given: using Freezer's default, ./${opts.container} (${path.resolve(opts.container)})`);
  }
  const stores: StoreSettings[] = [];
  for (const s of scopes(opts)) stores.push(await settingsOf(s));
  return {
    stores,
    notices,
    compose: {
      partSize: opts.max_segment_size,
      queue: opts.upload_queue_size,
      uploadLimit: opts.upload_limit,
      downloadLimit: opts.download_limit,
      dryRun: opts.dry_run,
      retry: { ...DEFAULT_RETRY, attempts: opts.storage_retries + 1 },
    },
  };
}
