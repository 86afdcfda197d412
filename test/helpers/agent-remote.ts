// Agent round trips every remote storage must pass: L0 → mutate → L1 → restore, with both
// engines, with and without encryption, through the real CLI. Each storage's suite calls
// `remoteRoundTrips` with the arguments that select it and a check of what landed remotely.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { agentOk } from './agent.js';
import { makeSampleTree, mutate1, snapshotTree } from './tree.js';

export const ROUND_TRIP_CASES = [
  ['tar', ['--engine', 'tar'], false],
  ['tar, encrypted', ['--engine', 'tar'], true],
  ['rsync', ['--engine', 'rsync'], false],
  ['rsync, encrypted', ['--engine', 'rsync'], true],
] as const;

export interface RemoteRoundTripOptions {
  /** A scratch directory (made by the suite's `before`). */
  work: () => string;
  /** The options selecting a fresh, empty container on the storage under test. */
  storageArgs: () => string[];
  /** Extra checks of the stored objects after the two backups (engine = tar|rsync). */
  checkStored?: (storageArgs: string[], engine: string) => void | Promise<void>;
  /** --max-segment-size for the backups (default 64 KiB: several segments per backup). */
  segmentSize?: number;
}

export const levelOf = (metaFile: string) => JSON.parse(fs.readFileSync(metaFile, 'utf8')).curr_backup_level as number;

/** Defines one mocha test per case of ROUND_TRIP_CASES. */
export function remoteRoundTrips(o: RemoteRoundTripOptions): void {
  for (const [label, engineArgs, encrypted] of ROUND_TRIP_CASES) {
    it(`backs up L0 and L1 and restores the latest tree exactly (${label})`, async () => {
      const dir = path.join(o.work(), label.replace(/\W+/g, '-'));
      const src = path.join(dir, 'src');
      fs.mkdirSync(src, { recursive: true });
      makeSampleTree(src);
      const passFile = path.join(dir, 'pass');
      fs.writeFileSync(passFile, 'correct horse battery staple\n');
      const storage = o.storageArgs();
      const args = [
        ...storage,
        '--backup-name',
        'b',
        '--hostname',
        'h',
        '--max-segment-size',
        String(o.segmentSize ?? 65536),
        ...engineArgs,
        ...(encrypted ? ['--encrypt-pass-file', passFile] : []),
      ];
      const meta = path.join(dir, 'meta.json');
      agentOk(['--action', 'backup', '--path-to-backup', src, '--metadata-out', meta, ...args]);
      assert.equal(levelOf(meta), 0);
      mutate1(src);
      agentOk(['--action', 'backup', '--path-to-backup', src, '--metadata-out', meta, ...args]);
      assert.equal(levelOf(meta), 1);
      const dest = path.join(dir, 'restored');
      agentOk(['--action', 'restore', '--restore-abs-path', dest, ...args]);
      assert.deepEqual(snapshotTree(dest), snapshotTree(src));
      await o.checkStored?.(storage, engineArgs[1]);
    });
  }
}
