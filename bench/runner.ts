// Runs one case: prepares its rows, then repeats them round-robin (row A, row B, A, B, ...)
// so slow drift in machine load hits every row alike instead of biasing whichever ran last.
import fs from 'node:fs';
import path from 'node:path';
import type { CaseDef, RowContext, RowDef } from './cases.js';
import { commandEnv, type BenchConfig } from './config.js';
import { flushWrites, resetDir, warmPageCache } from './disk.js';
import { CommandFailed, timedRun, type Sample } from './measure.js';
import type { CaseResult, RowResult } from './results.js';
import { haveCommand } from './shell.js';
import { summarize } from './stats.js';
import type { TreeInfo } from './tree.js';

const MiB = 1024 * 1024;

export async function runCase(def: CaseDef, tree: TreeInfo, cfg: BenchConfig, log: (m: string) => void): Promise<CaseResult> {
  const caseDir = path.join(cfg.workRoot, 'scratch', def.name);
  // Only the timed outputs move to tmpfs; the fixtures (backups to restore) stay on disk, read from the page cache.
  const runDir = def.scratchOn === 'tmpfs' ? path.join(cfg.tmpfsRoot, def.name) : caseDir;
  const contexts = def.rows.map((row): RowContext => ({
    cfg,
    peer: { fsync: cfg.peerFsync },
    tree,
    scratch: path.join(runDir, row.id, 'run'),
    fixtures: path.join(caseDir, row.id, 'fixtures'),
  }));
  const results = def.rows.map((row): RowResult => ({
    id: row.id,
    label: row.label,
    tool: row.tool,
    op: row.op,
    samples: [],
    inputBytes: tree.bytes,
  }));

  def.rows.forEach((row, i) => {
    const missing = (row.requires ?? []).filter((t) => !haveCommand(t));
    if (missing.length > 0) {
      results[i].skipped = `not installed: ${missing.join(', ')}`;
      log(`  skip ${row.id}: ${results[i].skipped}`);
      return;
    }
    if (!row.prepare) return;
    log(`  prepare ${row.id}`);
    try {
      row.prepare(contexts[i]);
      if (row.inputBytes) results[i].inputBytes = row.inputBytes(contexts[i]);
    } catch (e) {
      recordFailure(results[i], e, 'prepare: ');
      log(`  prepare ${row.id}: FAILED ${results[i].error}`);
    }
  });

  warmPageCache(tree.root);
  const reps = def.reps ?? (cfg.repsExplicit ? cfg.reps : (def.defaultReps ?? cfg.reps));
  // Rounds: every row once per round, in row order, so drift in machine load hits all rows alike.
  for (let rep = 1; rep <= reps; rep++) {
    for (let i = 0; i < def.rows.length; i++) {
      const row = def.rows[i];
      const result = results[i];
      if (result.error || result.skipped) continue; // a broken row would fail the same way every time
      try {
        const sample = await timeOnce(row, contexts[i]);
        row.verify?.(contexts[i]);
        result.samples.push(sample);
        if (row.outputBytes) result.outputBytes = row.outputBytes(contexts[i]);
        log(`  ${def.name} rep ${rep}/${reps} ${row.id}: ${sample.wallS.toFixed(3)} s, ${(sample.maxRssKiB / 1024).toFixed(0)} MiB RSS`);
      } catch (e) {
        recordFailure(result, e);
        log(`  ${def.name} rep ${rep}/${reps} ${row.id}: FAILED ${result.error}`);
      } finally {
        resetDir(contexts[i].scratch); // keep only one run's output on disk at a time
      }
    }
  }
  resetDir(caseDir);
  if (runDir !== caseDir) fs.rmSync(runDir, { recursive: true, force: true });

  for (const r of results) derive(r);
  const ref = results.find((r) => r.id === def.referenceRow)?.summary;
  if (ref) for (const r of results) if (r.summary) r.timeVsReference = r.summary.wallS / ref.wallS;
  return { name: def.name, title: def.title, referenceRow: def.referenceRow, tree, rows: results };
}

async function timeOnce(row: RowDef, ctx: RowContext): Promise<Sample> {
  resetDir(ctx.scratch);
  // Start each run with no dirty pages from the previous one, so no run pays for another's writeback.
  flushWrites();
  return timedRun(row.command(ctx), commandEnv(ctx.cfg.droppedEnv));
}

function derive(r: RowResult): void {
  if (r.samples.length === 0) return;
  r.summary = summarize(r.samples);
  r.mibPerS = r.inputBytes / MiB / r.summary.wallS;
  if (r.outputBytes) r.compressionRatio = r.inputBytes / r.outputBytes;
}

function recordFailure(r: RowResult, e: unknown, prefix = ''): void {
  r.error = prefix + (e instanceof Error ? e.message : String(e));
  if (e instanceof CommandFailed) r.errorDetail = e.detail;
}
