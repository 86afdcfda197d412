// --mode mongo: backs up a mongod's files only when it is the primary (or a standalone server),
// as Freezer's mode does; the backup itself is a plain file backup (hotCopy: null). The check is
// the `hello` command (`isMaster` on servers before 4.4.2) through the official driver, which is
// imported only when the mode runs. Freezer asked <hostname>:27017; --mongo-host and
// --mongo-port override both. A server that cannot be reached, or is not the primary, is a
// source error (exit 4): nothing is backed up.
import { sourceError } from '../../base/errors.js';
import type { Logger } from '../../base/log.js';
import type { DatabaseMode } from '../types.js';

export interface MongoModeSettings {
  host: string;
  port: number;
  /** Server selection and connection time limit. */
  timeoutMs: number;
}

interface HelloReply {
  isWritablePrimary?: boolean;
  ismaster?: boolean;
  secondary?: boolean;
  arbiterOnly?: boolean;
  setName?: string;
  me?: string;
  primary?: string;
}

/** Why this server must not be backed up, or null when it may (a primary or standalone). */
export function refusal(reply: HelloReply): string | null {
  const primary = reply.isWritablePrimary ?? reply.ismaster ?? false;
  if (primary) return null;
  const role = reply.arbiterOnly ? 'an arbiter' : reply.secondary ? 'a secondary' : 'not the primary';
  const set = reply.setName ? ` of replica set ${reply.setName}` : '';
  const where = reply.primary ? `; the primary is ${reply.primary}` : '';
  return `it is ${role}${set}${where}`;
}

export function mongoMode(settings: MongoModeSettings, log: Logger): DatabaseMode {
  const address = `${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${settings.port}`;
  return {
    name: 'mongo',

    async prepare() {
      const { MongoClient } = await import('./mongo-driver.js');
      const client = new MongoClient(`mongodb://${address}/?directConnection=true`, {
        serverSelectionTimeoutMS: settings.timeoutMs,
        connectTimeoutMS: settings.timeoutMs,
      });
      try {
        let reply: HelloReply;
        try {
          const admin = client.db('admin');
          const answer = await admin.command({ hello: 1 }).catch((err: { code?: number }) => {
            // CommandNotFound: a server older than 4.4.2 knows only isMaster.
            if (err.code === 59) return admin.command({ isMaster: 1 });
            throw err;
          });
          reply = answer;
        } catch (err) {
          throw sourceError(
            `--mode mongo: cannot ask mongod at ${address} whether it is the primary: ${(err as Error).message} (--mongo-host, --mongo-port)`,
            err,
          );
        }
        const why = refusal(reply);
        if (why) throw sourceError(`--mode mongo: refusing to back up mongod at ${address}: ${why}; back up the primary's files`);
        log.info(`mongo: ${address} is the primary${reply.setName ? ` of ${reply.setName}` : ''}`);
      } finally {
        await client.close().catch(() => {});
      }
    },

    quiesce: async (take) => ({ value: await take(), details: { mode: 'mongo' } }),
    hotCopy: async () => null,
    close: async () => {},
  };
}
