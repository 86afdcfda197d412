// `--action info`: every backup in the container, one row each (a table, or JSON for machines).
import type { Storage } from '../storage/storage.js';
import { listChains } from '../catalog/chains.js';
import { dataPath } from '../catalog/layout.js';
import { permafrostInfo } from '../catalog/metadata.js';
import { formatLocalDate } from '../catalog/dates.js';
import { formatBytes, formatCount, formatLocalTime } from '../base/human.js';

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

export async function listBackups(storage: Storage, filter?: { engine?: string; chainName?: string }): Promise<BackupRow[]> {
  const rows: BackupRow[] = [];
  for (const engine of await storage.list('metadata')) {
    if (filter?.engine && engine !== filter.engine) continue;
    for (const chainName of await storage.list(`metadata/${engine}`)) {
      if (filter?.chainName && chainName !== filter.chainName) continue;
      for (const chain of await listChains(storage, engine, chainName)) {
        for (const m of chain.members) {
          const info = permafrostInfo(m.meta);
          const size = info ? info.data.size : ((await storage.stat(dataPath(m)))?.size ?? null);
          rows.push({
            engine,
            backup: chainName,
            chain: chain.chainStart,
            level: m.level,
            timestamp: m.ts,
            date: formatLocalDate(m.ts),
            compression: String(m.meta.compression ?? 'gzip'),
            encrypted: Boolean(m.meta.encryption),
            stored_bytes: size,
            files: info ? info.source.files : null,
            writer: info ? 'permafrost' : 'freezer',
          });
        }
      }
    }
  }
  return rows;
}

interface Column {
  title: string;
  cell(r: BackupRow): string;
  right?: boolean;
}

/** A level's increments are indented under it: each chain reads as a tree from its level 0. */
const COLUMNS: Column[] = [
  { title: 'Backup', cell: (r) => r.backup },
  { title: 'Engine', cell: (r) => r.engine },
  { title: 'Level', cell: (r) => `${'  '.repeat(r.level)}${r.level}` },
  { title: 'Date', cell: (r) => formatLocalTime(r.timestamp) },
  { title: 'Stored', cell: (r) => (r.stored_bytes === null ? '-' : formatBytes(r.stored_bytes)), right: true },
  { title: 'Files', cell: (r) => (r.files === null ? '-' : formatCount(r.files)), right: true },
  { title: 'Compression', cell: (r) => r.compression },
  { title: 'Encrypted', cell: (r) => (r.encrypted ? 'yes' : 'no') },
  { title: 'Writer', cell: (r) => r.writer },
];

function totalsLine(rows: BackupRow[]): string {
  const chains = new Set(rows.map((r) => `${r.engine}/${r.backup}/${r.chain}`)).size;
  const sizes = rows.map((r) => r.stored_bytes).filter((b): b is number => b !== null);
  const unknown = rows.length - sizes.length;
  const stored = `${formatBytes(sizes.reduce((a, b) => a + b, 0))} stored${unknown ? ` (${unknown} without a known size)` : ''}`;
  const s = (n: number, word: string) => `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;
  return `${s(rows.length, 'backup')} in ${s(chains, 'chain')}, ${stored}`;
}

/** For people (sizes in SI units, local times with their offset); --json is for machines. */
export function formatTable(rows: BackupRow[]): string {
  const cells = rows.map((r) => COLUMNS.map((c) => c.cell(r)));
  const widths = COLUMNS.map((c, i) => Math.max(c.title.length, ...cells.map((row) => row[i].length)));
  const line = (vals: string[]) =>
    vals
      .map((v, i) => (COLUMNS[i].right ? v.padStart(widths[i]) : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const rule = '-'.repeat(widths.reduce((a, w) => a + w, 0) + 2 * (widths.length - 1));
  return [line(COLUMNS.map((c) => c.title)), rule, ...cells.map(line), rule, totalsLine(rows)].join('\n');
}
