// `tar --incremental --extract --directory targetDir` for one level, confined to targetDir.
// Call once per level (0..N) into the same directory. The native extractor
// (extract-native.ts) does the members that make up a tree; the TypeScript one
// (extract-members.ts) the rest, and the whole of a dry run.
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { makeDirs } from '../../base/make-dirs.js';
import { applyDelayed, extractEntry, newExtraction, type ExtractOptions, type ExtractStats } from './extract-members.js';
import { readTar } from './reader.js';

export type { ExtractOptions, ExtractStats } from './extract-members.js';

export async function extractTar(source: AsyncIterable<Buffer>, targetDir: string, opts: ExtractOptions): Promise<ExtractStats> {
  const dryRun = opts.dryRun ?? false;
  const root = await prepareTarget(targetDir, dryRun);
  const x = newExtraction(root, opts);
  if (!dryRun && opts.extractor !== 'typescript') {
    const { extractNatively } = await import('./extract-native.js');
    await extractNatively(source, x, opts);
    return x.stats;
  }
  for await (const entry of readTar(source)) await extractEntry(x, entry.header, entry.body, opts);
  if (!dryRun) await applyDelayed(x);
  return x.stats;
}

async function prepareTarget(targetDir: string, dryRun: boolean): Promise<string> {
  const abs = path.resolve(targetDir);
  if (dryRun) return fsp.realpath(abs).catch(() => abs);
  await makeDirs(abs);
  return fsp.realpath(abs);
}
