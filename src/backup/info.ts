// `--action info`: every backup in the container, one row each (a table, or JSON for machines).
import type { Storage } from '../storage/storage.js';
import { listChains } from './chains.js';
import { dataPath } from './layout.js';
import { permafrostInfo } from './metadata.js';
import { formatLocalDate } from './dates.js';

export interface BackupRow {
  engine: string;
  backup: string;
  chain: number;
  level: number;
  timestamp: number;
  date: string;
  compression: string;
  encrypted: boolean;
  stored_bytes: number | null;
  files: number | null;
  writer: 'permafrost' | 'freezer';
}

export async function listBackups(storage: Storage, filter?: { engine?: string; hbn?: string }): Promise<BackupRow[]> {
  const rows: BackupRow[] = [];
  for (const engine of await storage.list('metadata')) {
    if (filter?.engine && engine !== filter.engine) continue;
    for (const hbn of await storage.list(`metadata/${engine}`)) {
      if (filter?.hbn && hbn !== filter.hbn) continue;
      for (const chain of await listChains(storage, engine, hbn)) {
        for (const m of chain.members) {
          const info = permafrostInfo(m.meta);
          const size = info ? info.data.size : ((await storage.stat(dataPath(m)))?.size ?? null);
          rows.push({
            engine, backup: hbn, chain: chain.l0, level: m.level, timestamp: m.ts, date: formatLocalDate(m.ts),
            compression: String(m.meta.compression ?? 'gzip'), encrypted: Boolean(m.meta.encryption),
            stored_bytes: size, files: info ? info.source.files : null, writer: info ? 'permafrost' : 'freezer',
          });
        }
      }
    }
  }
  return rows;
}

const COLUMNS: [keyof BackupRow, string][] = [
  ['backup', 'Backup'], ['engine', 'Engine'], ['chain', 'Chain (L0)'], ['level', 'Level'], ['date', 'Date'],
  ['compression', 'Compression'], ['encrypted', 'Encrypted'], ['stored_bytes', 'Stored bytes'], ['files', 'Files'], ['writer', 'Writer'],
];

export function formatTable(rows: BackupRow[]): string {
  const cells = rows.map((r) => COLUMNS.map(([k]) => (r[k] === null ? '-' : String(r[k]))));
  const widths = COLUMNS.map(([, h], i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (vals: string[]) => `| ${vals.map((v, i) => v.padEnd(widths[i])).join(' | ')} |`;
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  return [rule, line(COLUMNS.map(([, h]) => h)), rule, ...cells.map(line), rule].join('\n');
}
