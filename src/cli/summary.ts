// What a person reads at the end, in restic's spirit: a few labelled lines saying what was
// done, how much and where, instead of Freezer's 30-row property table (which stays for
// scripts: agent.ts prints it when stdout is not a TTY, or with --verbose).
import type { BackupResult } from '../actions/backup.js';
import type { RestoreResult } from '../actions/restore.js';
import { memberMetadataDir, parseMemberName } from '../catalog/layout.js';
import { formatBytes, formatCount, formatDuration, formatLocalTime, formatRate } from '../base/human.js';

const LABEL_WIDTH = 11;
const lines = (rows: [string, string][]) => rows.map(([k, v]) => `${`${k}:`.padEnd(LABEL_WIDTH)}${v}`).join('\n');
const plural = (n: number, one: string, many = `${one}s`) => `${formatCount(n)} ${n === 1 ? one : many}`;

function parentText(parent: string | null): string {
  if (parent === null) return 'a new chain';
  const p = parseMemberName(parent);
  return p ? `increment of level ${p.level} of ${formatLocalTime(p.ts)}` : `increment of ${parent}`;
}

/** Bytes read per byte stored, to three digits: `3.01:1`, `117:1`. */
function ratio(read: number, stored: number): string {
  if (read <= 0 || stored <= 0) return '';
  const r = read / stored;
  return `ratio ${r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2)}:1, `;
}

export function backupSummary(r: BackupResult, storageName: string): string {
  const { info } = r;
  const s = info.source;
  const rows: [string, string][] = [
    ['Backup', `${info.hostname}_${info.backup_name} level ${info.level} (${parentText(info.parent)}), ${info.engine} engine`],
  ];
  if (s.files_new !== undefined) {
    rows.push([
      'Files',
      `${formatCount(s.files_new)} new, ${formatCount(s.files_changed ?? 0)} changed, ` +
        `${formatCount(s.files_unchanged ?? 0)} unchanged, ${formatCount(s.files_removed ?? 0)} removed (not counting directories)`,
    ]);
  }
  const codec = [info.codec.name, ...(info.encryption ? ['encrypted'] : [])].join(', ');
  const seconds = info.duration_ms / 1000;
  rows.push(
    ['Read', `${formatBytes(s.bytes_read)} in ${plural(s.files, 'file')} and ${plural(s.directories, 'directory', 'directories')}`],
    ['Stored', `${formatBytes(info.data.size)} (${ratio(s.bytes_read, info.data.size)}${codec})`],
    ['Duration', `${formatDuration(info.duration_ms)}${seconds > 0 ? `, ${formatRate(s.bytes_read / seconds)}` : ''}`],
  );
  if (s.warnings.length) rows.push(['Warnings', `${formatCount(s.warnings.length)} (listed above and recorded in the metadata)`]);
  rows.push(['Saved to', `${storageName} (${memberMetadataDir(r.id)})`]);
  return lines(rows);
}

export function restoreSummary(r: RestoreResult): string {
  const last = r.members[r.members.length - 1];
  const levels = r.members.length === 1 ? 'level 0' : `levels 0 to ${last.level}`;
  const chain = r.members.length === 1 ? '' : ` of the chain from ${formatLocalTime(last.chainStart)}`;
  const seconds = r.durationMs / 1000;
  return lines([
    [
      r.dryRun ? 'Checked' : 'Restored',
      `${last.chainName}, the backup of ${formatLocalTime(last.ts)} (${levels}${chain}, ${last.engine} engine)`,
    ],
    ['Into', r.dryRun ? `${r.target} (dry run: nothing written)` : r.target],
    [
      'Extracted',
      `${plural(r.files, 'file')} over ${plural(r.members.length, 'level')}, ` +
        `${plural(r.directories, 'directory', 'directories')}, ${formatBytes(r.bytesWritten)} written`,
    ],
    [
      'Read',
      `${formatBytes(r.storedBytes)} in ${formatDuration(r.durationMs)}${seconds > 0 ? `, ${formatRate(r.storedBytes / seconds)}` : ''}`,
    ],
  ]);
}
