// Renders results as markdown: bench/RESULTS.md and the same text on stdout.
import type { BenchResults, CaseResult, RowResult, TargetResult } from './results.js';

const MiB = 1024 * 1024;

/** Pipes inside cells (the peer commands are pipelines) would split the markdown columns. */
const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function table(header: string[], rows: string[][], rightAlignFrom = 1): string {
  const align = header.map((_, i) => (i >= rightAlignFrom ? '---:' : '---'));
  return [header.map(cell), align, ...rows.map((r) => r.map(cell))].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

const fixed = (n: number | undefined, digits: number) => (n === undefined || !Number.isFinite(n) ? '–' : n.toFixed(digits));

function rowCells(r: RowResult): string[] {
  const s = r.summary;
  const name = r.tool === 'permafrost' ? `**${r.label}**` : r.label;
  const failed = r.error ? ` ⚠ ${r.error.split('\n')[0].slice(0, 120)}` : r.skipped ? ` (skipped: ${r.skipped})` : '';
  return [
    name + failed,
    fixed(s?.wallS, s && s.wallS < 1 ? 3 : 2),
    fixed(s?.cpuS, s && s.cpuS < 1 ? 3 : 2),
    fixed(s ? s.maxRssKiB / 1024 : undefined, 0),
    fixed(r.outputBytes !== undefined ? r.outputBytes / MiB : undefined, 1),
    fixed(r.compressionRatio, 2),
    r.op === 'start' ? '–' : fixed(r.mibPerS, 1),
    r.timeVsReference !== undefined ? `${r.timeVsReference.toFixed(2)}×` : '–',
  ];
}

function caseSection(c: CaseResult): string {
  const ref = c.rows.find((r) => r.id === c.referenceRow);
  const header = [
    'command',
    'wall s (median)',
    'CPU s (median)',
    'peak RSS MiB',
    'output MiB',
    'ratio',
    'MiB/s',
    ref ? `time vs ${ref.label}` : 'time vs ref',
  ];
  return [
    `### ${c.name}: ${c.title}`,
    '',
    `Tree: ${c.tree.sizeMiB} MiB, ${c.tree.files} files. Runs: ${c.rows.map((r) => r.samples.length).join('/')} successful.${c.measuredAt ? ` Measured ${c.measuredAt}.` : ''}`,
    ...caseNotes(c),
    '',
    table(header, c.rows.map(rowCells)),
  ].join('\n');
}

/** What a reader needs to compare the rows of a case that the table does not say. */
function caseNotes(c: CaseResult): string[] {
  const notes: Record<string, string> = {
    'restore-tmpfs':
      'Destination in tmpfs (BENCH_TMPFS); the backups read stay under BENCH_DIR, warm in the page cache. Each destination is emptied, untimed, before each run.',
    'restore-disk':
      'Destination on BENCH_DIR; the timed run ends when the tool exits (dirty pages are flushed, untimed, before the next run). Each destination is emptied, untimed, before each run.',
    'restore-chain':
      'L1 and L2 each follow a round of edits of a copy of the tree (about 10% of files rewritten in place, 1% deleted, 1% as many added); the L0 row backs up the same final tree. Restored into tmpfs (BENCH_TMPFS); each restore is compared with the final tree (diff -r).',
  };
  return notes[c.name] ? ['', notes[c.name]] : [];
}

function targetsSection(ts: readonly TargetResult[]): string {
  return table(
    ['target', 'measured', 'limit', 'result', 'detail'],
    ts.map((t) => [
      t.name,
      t.measured === undefined ? '–' : t.unit === 'MiB' ? `${t.measured.toFixed(0)} MiB` : `${t.measured.toFixed(2)}×`,
      t.unit === 'MiB' ? `${t.limit} MiB` : t.unit === 'speedup' ? `≥ ${t.limit}×` : `${t.limit}×`,
      t.verdict === 'PASS' ? '**PASS**' : t.verdict === 'MISS' ? '**MISS**' : 'n/a',
      t.note,
    ]),
    99,
  );
}

export function renderMarkdown(res: BenchResults): string {
  const m = res.machine;
  const trees = new Map(res.cases.map((c) => [c.tree.root, c.tree]));
  const treeLines = [...trees.values()].map(
    (t) =>
      `- ${t.sizeMiB} MiB tree (seed ${t.seed}): ${t.files} files, ${t.dirs} directories, ${t.symlinks} symlinks, ${t.bytes} bytes of file data`,
  );
  return [
    '# permafrost benchmark results',
    '',
    `Last run: \`npm run bench${res.settings.argv.length > 0 ? ` -- ${res.settings.argv.join(' ')}` : ''}\` on ${res.startedAt} (finished ${res.finishedAt}).`,
    'Cases not in that run keep their latest earlier result; each case says when it was measured.',
    '',
    '## Machine',
    '',
    table(
      ['fact', 'value'],
      [
        ['nproc', String(m.nproc)],
        ['CPU', m.cpuModel],
        ['memory', `${m.memTotalMiB} MiB`],
        ['kernel', m.kernel],
        ['Node', m.node],
        ['load average at start (1 min)', m.loadAvgAtStart.toFixed(2)],
        ['agent revision', m.agentRevision],
        ...Object.entries(m.tools).map(([k, v]) => [k, v || 'not found']),
      ],
      99,
    ),
    '',
    '## Method',
    '',
    ...treeLines,
    `- ${res.settings.reps} repetition(s) per row (the start-up case: its own count; the restore, restore-chain and rsync-l0 cases: 5 unless BENCH_REPS is set; the runs per case are shown with it), in rounds: every row once per round, rows interleaved; median wall and CPU (user+sys) time, peak RSS is the max over repetitions.`,
    '- Every run is a fresh child process under GNU time (CPU and RSS include all processes of a pipeline; RSS is the largest single process).',
    '- The page cache is warmed by reading the tree once before each case; dirty pages are flushed (`sync`) before each run.',
    '- MiB/s = tree file bytes / wall time (for restores too); ratio = tree file bytes / compressed output bytes.',
    `- The agent fsyncs the objects it stores; the peer pipelines ${res.settings.peerFsync ? 'also fsync their output (BENCH_PEER_FSYNC=1)' : 'do not (set BENCH_PEER_FSYNC=1 to make them)'}.`,
    droppedEnvLine(res.settings.droppedEnv ?? []),
    '',
    '## Targets',
    '',
    targetsSection(res.targets),
    '',
    '## Cases',
    '',
    ...res.cases.flatMap((c) => [caseSection(c), '']),
  ].join('\n');
}

function droppedEnvLine(dropped: string[]): string {
  if (!dropped.length) return "- Timed commands run in this machine's environment as it is.";
  return `- Removed from the timed commands' environment: ${dropped.map((n) => `\`${n}\``).join(', ')} (set on this machine; Node parses that CA bundle at every start, 60-90 ms here, and no timed command uses TLS). BENCH_KEEP_ENV=1 keeps it.`;
}
