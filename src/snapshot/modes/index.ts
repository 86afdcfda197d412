// --mode: the database modes behind one interface (../types.ts). `fs` does nothing.
import type { AgentOptions } from '../../config/agent-options.js';
import type { Logger } from '../../base/log.js';
import type { DatabaseMode } from '../types.js';

const fsMode: DatabaseMode = {
  name: 'fs',
  prepare: async () => {},
  quiesce: async (take) => ({ value: await take(), details: {} }),
  hotCopy: async () => null,
  close: async () => {},
};

export async function openMode(opts: AgentOptions, log: Logger): Promise<DatabaseMode> {
  void log;
  if (opts.mode === 'fs') return fsMode;
  throw new Error(`mode ${opts.mode} has no implementation`);
}
