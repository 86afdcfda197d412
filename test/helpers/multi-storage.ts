// Multiple-storage round trips from `[storage:NAME]` sections: one backup through a job file
// with every section, then a restore from each storage alone.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { agentOk } from './agent.js';
import { makeSampleTree, mutate1, snapshotTree } from './tree.js';

export interface StorageSectionSpec {
  name: string;
  /** INI lines of the section (without the header). */
  lines: string[];
  /** Flat options that reach the same storage alone. */
  alone: string[];
}

export function writeJob(file: string, defaults: string[], sections: StorageSectionSpec[]): void {
  const text = ['[default]', ...defaults, ...sections.flatMap((s) => ['', `[storage:${s.name}]`, ...s.lines])].join('\n');
  fs.writeFileSync(file, `${text}\n`);
}

/** Backs up through a job file with all sections, then restores from each storage alone. */
export function multiStorageRoundTrip(work: string, sections: StorageSectionSpec[], extra: string[] = []): void {
  const src = path.join(work, 'src');
  fs.mkdirSync(src);
  makeSampleTree(src);
  const job = path.join(work, 'job.ini');
  writeJob(
    job,
    ['action = backup', `path_to_backup = ${src}`, 'backup_name = multi', 'hostname = h1', 'max_segment_size = 65536'],
    sections,
  );
  agentOk(['--config', job, '--quiet', ...extra]);
  mutate1(src);
  agentOk(['--config', job, '--quiet', ...extra]);
  const expected = snapshotTree(src);
  for (const s of sections) {
    const dest = path.join(work, `restored-${s.name}`);
    agentOk(['--action', 'restore', '--backup-name', 'multi', '--hostname', 'h1', '--restore-abs-path', dest, ...s.alone, ...extra]);
    assert.deepEqual(snapshotTree(dest), expected, `restored from ${s.name} alone`);
  }
}
