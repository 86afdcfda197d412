// What a backup prints: Freezer's result dict (same keys, falsy values as ""), as a
// Property/Value table on stdout or as JSON to --metadata-out; on a TTY, the summary instead.
import { writeFileSync } from 'node:fs';
import type { AgentOptions } from '../config/agent-options.js';
import type { BackupResult } from '../actions/backup.js';
import { VERSION } from '../base/version.js';
import { isTerminal, writeOut } from './out.js';

const ECHOED = [
  'action',
  'always_level',
  'backup_media',
  'backup_name',
  'container',
  'container_segments',
  'dry_run',
  'hostname',
  'path_to_backup',
  'max_level',
  'mode',
  'log_file',
  'storage',
  'proxy',
  'compression',
  'ssh_key',
  'ssh_username',
  'ssh_host',
  'ssh_port',
  'consistency_checksum',
] as const;

export function backupReport(opts: AgentOptions, r: BackupResult): Record<string, unknown> {
  // Freezer puts path_to_backup after its LVM snapshot's adjustment in both: the path read.
  const read = r.info.point_in_time?.path ?? r.info.source.path;
  const out: Record<string, unknown> = {
    curr_backup_level: r.id.level,
    fs_real_path: read,
    vol_snap_path: read,
    client_os: process.platform,
    client_version: VERSION,
    time_stamp: r.id.ts,
  };
  // consistency_checksum is the one the backup computed (--consistency-check), as Freezer's.
  const values: Record<string, unknown> = { ...opts, backup_media: 'fs', consistency_checksum: r.info.consistency_checksum };
  for (const k of ECHOED) out[k] = values[k] || '';
  out.permafrost = r.info;
  return out;
}

export function propertyTable(report: Record<string, unknown>): string {
  const rows = Object.entries(report)
    .filter(([k]) => k !== 'permafrost')
    .map(([k, v]) => [k.replace(/_/g, ' '), typeof v === 'object' ? JSON.stringify(v) : String(v as string | number | boolean)]);
  const w0 = Math.max(8, ...rows.map((r) => r[0].length));
  const w1 = Math.max(5, ...rows.map((r) => r[1].length));
  const rule = `+${'-'.repeat(w0 + 2)}+${'-'.repeat(w1 + 2)}+`;
  const line = (a: string, b: string) => `| ${a.padEnd(w0)} | ${b.padEnd(w1)} |`;
  return [rule, line('Property', 'Value'), rule, ...rows.map(([a, b]) => line(a, b)), rule].join('\n');
}

/**
 * stdout after a backup. Scripts that parsed Freezer's table still get it when stdout is not a
 * TTY (and --metadata-out is the machine interface); a person gets the summary, and the table
 * too with --verbose.
 */
export function backupOutput(opts: AgentOptions, report: Record<string, unknown>, summary: () => string, tty = isTerminal(1)): string {
  if (opts.quiet || opts.metadata_out === '-') return '';
  const table = !opts.metadata_out && (!tty || opts.verbose) ? `${propertyTable(report)}\n` : '';
  return tty ? `${table}${table ? '\n' : ''}${summary()}\n` : table;
}

export function writeMetadataOut(target: string, data: unknown): void {
  const json = JSON.stringify(data);
  if (target === '-') writeOut(json);
  else writeFileSync(target, json);
}
