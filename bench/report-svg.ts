// A dependency-free horizontal bar chart of throughput per row (bench/out/throughput.svg).
import type { BenchResults } from './results.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function renderThroughputSvg(res: BenchResults): string {
  const bars = res.cases.flatMap((c) =>
    c.rows
      .filter((r) => r.mibPerS !== undefined)
      .map((r) => ({ label: `${c.name}: ${r.label}`, value: r.mibPerS!, permafrost: r.tool === 'permafrost' })),
  );
  const labelW = 430;
  const plotW = 380;
  const barH = 20;
  const gap = 6;
  const top = 40;
  const height = top + bars.length * (barH + gap) + 30;
  const width = labelW + plotW + 80;
  const max = Math.max(1, ...bars.map((b) => b.value));

  const rows = bars.map((b, i) => {
    const y = top + i * (barH + gap);
    const w = Math.max(1, (b.value / max) * plotW);
    return [
      `<text x="${labelW - 8}" y="${y + barH * 0.7}" text-anchor="end">${esc(b.label)}</text>`,
      `<rect x="${labelW}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${b.permafrost ? '#2b6cb0' : '#a0aec0'}"/>`,
      `<text x="${(labelW + w + 6).toFixed(1)}" y="${y + barH * 0.7}">${b.value.toFixed(1)}</text>`,
    ].join('');
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">Throughput, MiB/s of tree data (median wall time; blue = permafrost, grey = peers)</text>`,
    ...rows,
    bars.length === 0 ? `<text x="${width / 2}" y="${top + 20}" text-anchor="middle">no successful runs</text>` : '',
    '</svg>',
    '',
  ].join('\n');
}
