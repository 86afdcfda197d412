// The performance goals, judged against measured results. A miss is reported, never thrown:
// the harness documents performance, it does not gate builds (timings on shared CI are noise).
import { SEGMENT_SIZE_FOR_RSS } from './cases.js';
import type { CaseResult, TargetResult } from './results.js';

const MiB = 1024 * 1024;

interface TimeTarget {
  name: string;
  caseName: string;
  subject: string;
  reference: string;
  limit: number;
  speedup?: boolean;
  /** What is compared: median wall time (default) or peak RSS (the max over the runs). */
  metric?: 'wall' | 'rss';
}

const TIME_TARGETS: TimeTarget[] = [
  { name: 'zstd L0 time ≤ 1.3× tar | zstd -T2', caseName: 'zstd', subject: 'permafrost-zstd', reference: 'peer-tar-zstd', limit: 1.3 },
  { name: 'gzip L0 time ≤ 1.2× tar | pigz -p2', caseName: 'gzip', subject: 'permafrost-gzip', reference: 'peer-tar-pigz', limit: 1.2 },
  ...rdiffTarget('signature', 'rdiff-signature', 2.5),
  ...(['a', 'b', 'c'] as const).flatMap((v) => rdiffTarget(`delta (${v})`, `rdiff-delta-${v}`, 2)),
  ...(['a', 'b', 'c'] as const).flatMap((v) => rdiffTarget(`patch (${v})`, `rdiff-patch-${v}`, 1)),
  { name: 'start-up: --help ≤ 1.25× node -e 0', caseName: 'startup', subject: 'permafrost-help', reference: 'peer-node', limit: 1.25 },
  {
    name: 'start-up: rdiff signature of 1 KiB ≤ 1.25× node -e 0',
    caseName: 'startup',
    subject: 'permafrost-signature-1k',
    reference: 'peer-node',
    limit: 1.25,
  },
  ...restoreTargets(),
  {
    name: 'restore of an L0+L1+L2 chain ≤ 1.1× restore of an L0 of the same tree',
    caseName: 'restore-chain',
    subject: 'permafrost-restore-chain',
    reference: 'permafrost-restore-final-l0',
    limit: 1.1,
  },
  {
    name: 'L0 --engine rsync ≤ 1.3× L0 --engine tar (zstd)',
    caseName: 'rsync-l0',
    subject: 'permafrost-rsync-zstd',
    reference: 'permafrost-tar-zstd',
    limit: 1.3,
  },
  {
    name: 'swift 1 GiB backup (one file, defaults) throughput ≥ 80% of curl -T',
    caseName: 'swift',
    subject: 'permafrost-swift',
    reference: 'peer-swift-curl',
    limit: 0.8,
    speedup: true,
  },
];

/** The restore's goals: against restic in time and memory, and no slower than zstd | tar in memory. */
function restoreTargets(): TimeTarget[] {
  const subject = 'permafrost-restore-zstd';
  const tmpfs = 'restore-tmpfs';
  const disk = 'restore-disk';
  return [
    { name: 'restore into tmpfs ≤ 0.5× restic restore', caseName: tmpfs, subject, reference: 'peer-restic', limit: 0.5 },
    { name: 'restore into tmpfs ≤ 1.0× zstd -dc | tar -x', caseName: tmpfs, subject, reference: 'peer-zstd-untar', limit: 1 },
    { name: 'restore onto disk ≤ 1.0× restic restore', caseName: disk, subject, reference: 'peer-restic', limit: 1 },
    ...[tmpfs, disk].map((caseName): TimeTarget => ({
      name: `${caseName}: peak RSS ≤ restic's`,
      caseName,
      subject,
      reference: 'peer-restic',
      limit: 1,
      metric: 'rss',
    })),
  ];
}

/** Throughput targets against rdiff: speedup = rdiff's time / ours. */
function rdiffTarget(step: string, caseName: string, limit: number): TimeTarget[] {
  return [
    {
      name: `${step} throughput ≥ ${limit}× rdiff`,
      caseName,
      subject: `permafrost-${caseName}`,
      reference: `peer-${caseName}`,
      limit,
      speedup: true,
    },
  ];
}

/** The agent's memory goal: two segments' worth of buffers plus a fixed allowance for the runtime. */
export const RSS_BOUND_MIB = (2 * SEGMENT_SIZE_FOR_RSS) / MiB + 96;

export function evaluateTargets(cases: readonly CaseResult[]): TargetResult[] {
  const row = (caseName: string, id: string) => cases.find((c) => c.name === caseName)?.rows.find((r) => r.id === id);
  const out: TargetResult[] = [];

  for (const t of TIME_TARGETS) {
    const s = row(t.caseName, t.subject)?.summary;
    const r = row(t.caseName, t.reference)?.summary;
    if (!s || !r) {
      out.push({ name: t.name, limit: t.limit, unit: 'x', verdict: 'n/a', note: notRunNote(cases, t.caseName, [t.subject, t.reference]) });
      continue;
    }
    if (t.metric === 'rss') {
      const ratio = s.maxRssKiB / r.maxRssKiB;
      out.push({
        name: t.name,
        measured: ratio,
        limit: t.limit,
        unit: 'x',
        verdict: ratio <= t.limit ? 'PASS' : 'MISS',
        note: `${(s.maxRssKiB / 1024).toFixed(0)} MiB vs ${(r.maxRssKiB / 1024).toFixed(0)} MiB`,
      });
      continue;
    }
    const ratio = t.speedup ? r.wallS / s.wallS : s.wallS / r.wallS;
    const pass = t.speedup ? ratio >= t.limit : ratio <= t.limit;
    out.push({
      name: t.name,
      measured: ratio,
      limit: t.limit,
      unit: t.speedup ? 'speedup' : 'x',
      verdict: pass ? 'PASS' : 'MISS',
      note: `${seconds(s.wallS)} vs ${seconds(r.wallS)}`,
    });
  }

  const rssName = `peak RSS ≤ 2 × max_segment_size + 96 MiB`;
  const rss = row('rss', 'permafrost-rss');
  if (!rss?.summary) {
    out.push({ name: rssName, limit: RSS_BOUND_MIB, unit: 'MiB', verdict: 'n/a', note: notRunNote(cases, 'rss') });
  } else {
    const peak = rss.summary.maxRssKiB / 1024;
    const rssCase = cases.find((c) => c.name === 'rss')!;
    out.push({
      name: rssName,
      measured: peak,
      limit: RSS_BOUND_MIB,
      unit: 'MiB',
      verdict: peak <= RSS_BOUND_MIB ? 'PASS' : 'MISS',
      note: `${rssCase.tree.sizeMiB} MiB tree, max over ${rss.samples.length} run(s)`,
    });
  }
  return out;
}

/** Short commands in ms, the rest in s. */
const seconds = (s: number) => (s < 1 ? `${(s * 1000).toFixed(1)} ms` : `${s.toFixed(2)} s`);

function notRunNote(cases: readonly CaseResult[], caseName: string, rowIds?: readonly string[]): string {
  const c = cases.find((x) => x.name === caseName);
  if (!c) return `case "${caseName}" not selected`;
  const skipped = c.rows.find((r) => r.skipped && (!rowIds || rowIds.includes(r.id)));
  if (skipped) return `${skipped.id} skipped (${skipped.skipped})`;
  const failed = c.rows.find((r) => r.error && (!rowIds || rowIds.includes(r.id)));
  return failed ? `${failed.id} failed` : 'no data';
}
