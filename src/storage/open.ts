// Builds the agent's Storage from its options: the flat `--storage`/`--container` options, or
// one backend per `[storage:NAME]` section of the job file (multiple-storage mode, where the
// flat ones are ignored for data, as in Freezer).
import path from 'node:path';
import type { AgentOptions, StorageSection } from '../config/agent-options.js';
import type { Logger } from '../cli/log.js';
import { notSupportedError } from '../errors.js';
import { LocalStore } from './local.js';
import { decorate, type ObjectStore, type Storage } from './storage.js';
import { composeStorage } from './compose.js';
import { DEFAULT_RETRY } from './retry.js';

/** One storage's settings: the flat options, overridden by its section's keys. */
export type StorageSettings = AgentOptions & StorageSection;

type BackendOpener = (s: StorageSettings, log: Logger) => Promise<ObjectStore>;

const BACKENDS: Record<string, BackendOpener> = {
  local: async (s, log) => {
    const root = path.resolve(s.container!);
    const inSection = Boolean(s.storages?.length);
    // Freezer's default is a directory named freezer_backups wherever the agent was started.
    if (!inSection && s.container_defaulted) log.warn(`no --container given: using Freezer's default, ./${s.container} (${root})`);
    const store = new LocalStore(root, inSection ? `[storage:${s.name}] container` : '--container');
    await store.checkRoot();
    if (!s.dry_run) await store.sweepStale();
    return store;
  },
  ssh: (s, log) => import('./ssh.js').then((m) => m.openSshStore(s, log)),
  swift: (s, log) => import('./swift.js').then((m) => m.openSwiftStore(s, log)),
  s3: (s, log) => import('./s3.js').then((m) => m.openS3Store(s, process.env, (msg) => log.info(msg))),
};

/** In multiple-storage mode every message names the job file's section too. */
function labelled(store: ObjectStore, name: string): ObjectStore {
  return decorate(store, { name });
}

function sections(o: AgentOptions): StorageSettings[] {
  if (o.storages?.length) return o.storages.map((sec) => ({ ...o, ...sec }) as StorageSettings);
  return [{ ...o, name: o.storage } as StorageSettings];
}

export async function openStorage(o: AgentOptions, log: Logger): Promise<Storage> {
  const backends: ObjectStore[] = [];
  try {
    for (const s of sections(o)) {
      const open = BACKENDS[s.storage];
      if (!open) throw notSupportedError(`not supported yet: --storage ${s.storage}`);
      const store = await open(s, log);
      backends.push(o.storages?.length ? labelled(store, `[storage:${s.name}] ${store.name}`) : store);
    }
  } catch (err) {
    await Promise.allSettled(backends.map((b) => b.close?.()));
    throw err;
  }
  return composeStorage(backends, {
    partSize: o.max_segment_size,
    queue: o.upload_queue_size,
    uploadLimit: o.upload_limit,
    downloadLimit: o.download_limit,
    dryRun: o.dry_run,
    retry: { ...DEFAULT_RETRY, attempts: o.storage_retries + 1, onRetry: (m) => log.warn(m) },
    onStale: (m) => log.warn(m),
  });
}
