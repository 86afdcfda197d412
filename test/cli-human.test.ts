// Human units (sizes, counts, percentages, clocks, durations, local times with their offset),
// the progress line's text, and the offset map that puts the line where the storage is.
import assert from 'node:assert/strict';
import { formatBytes, formatClock, formatCount, formatDuration, formatLocalTime, formatPercent, formatRate } from '../src/base/human.js';
import { progressText, type ProgressCounters } from '../src/pipeline/progress.js';
import { OffsetMap } from '../src/pipeline/offset-map.js';

/** Runs `fn` with the process in time zone `tz` (Node rereads TZ when it is assigned). */
function inZone<T>(tz: string, fn: () => T): T {
  const saved = process.env.TZ;
  process.env.TZ = tz;
  try {
    return fn();
  } finally {
    if (saved === undefined) delete process.env.TZ;
    else process.env.TZ = saved;
  }
}

describe('human units', function () {
  it('sizes in decimal SI units with three significant digits', function () {
    const cases: [number, string][] = [
      [0, '0 B'],
      [999, '999 B'],
      [1000, '1.00 kB'],
      [1234, '1.23 kB'],
      [69_200_000, '69.2 MB'],
      [123_456_789, '123 MB'],
      [999_499, '999 kB'],
      [999_500, '1.00 MB'],
      [1.5e9, '1.50 GB'],
      [2e12, '2.00 TB'],
      [-2048, '-2.05 kB'],
    ];
    for (const [n, text] of cases) assert.equal(formatBytes(n), text, `formatBytes(${n})`);
    assert.equal(formatRate(4_194_304), '4.19 MB/s');
  });

  it('counts with thousands separators, percentages that reach 100% only at the end', function () {
    assert.deepEqual([0, 999, 1000, 1234567].map(formatCount), ['0', '999', '1,000', '1,234,567']);
    assert.equal(formatPercent(0, 100), '0.0%');
    assert.equal(formatPercent(452, 1000), '45.2%');
    assert.equal(formatPercent(9999, 10000), '99.9%');
    assert.equal(formatPercent(10, 10), '100%');
    assert.equal(formatPercent(12, 10), '100%');
  });

  it('clocks for elapsed time and ETA, durations in words', function () {
    assert.deepEqual([0, 3.4, 59.6, 725, 3723].map(formatClock), ['0:00', '0:03', '1:00', '12:05', '1:02:03']);
    assert.deepEqual([420, 4210, 42_000, 185_000, 7_380_000].map(formatDuration), ['0.42 s', '4.2 s', '42 s', '3 min 05 s', '2 h 03 min']);
  });

  it('local times carry the offset they had, daylight saving included', function () {
    const winter = Date.UTC(2026, 11, 7, 12, 5, 9) / 1000;
    const summer = Date.UTC(2026, 6, 7, 12, 5, 9) / 1000;
    assert.equal(
      inZone('Europe/Paris', () => formatLocalTime(winter)),
      '2026-12-07 13:05:09 +01:00',
    );
    assert.equal(
      inZone('Europe/Paris', () => formatLocalTime(summer)),
      '2026-07-07 14:05:09 +02:00',
    );
    assert.equal(
      inZone('UTC', () => formatLocalTime(winter)),
      '2026-12-07 12:05:09 +00:00',
    );
    assert.equal(
      inZone('America/St_Johns', () => formatLocalTime(winter)),
      '2026-12-07 08:35:09 -03:30',
    );
  });
});

describe('progress line text', function () {
  const base: ProgressCounters = { bytes: 0, files: 0, totalBytes: null, totalFiles: null };

  it('while scanning: what was found so far', function () {
    const text = progressText({ ...base, scanning: { files: 1234, bytes: 56_700_000 } }, 1200, 0);
    assert.equal(text, '[0:01]  scanning: 1,234 files, 56.7 MB to read');
  });

  it('with totals: percentage, done of total, rate and ETA', function () {
    const c = { ...base, bytes: 5_400_000, files: 12, totalBytes: 12_000_000, totalFiles: 21 };
    assert.equal(progressText(c, 3000, 4_000_000), '[0:03]  45.0%  5.40 MB / 12.0 MB  12 / 21 files  4.00 MB/s  ETA 0:02');
    assert.equal(progressText(c, 3000, 0), '[0:03]  45.0%  5.40 MB / 12.0 MB  12 / 21 files', 'no rate yet, no ETA');
  });

  it('narrow terminals lose the file counts, then the rate, then the clock, never the percentage and ETA', function () {
    const c = { ...base, bytes: 5_400_000, files: 12, totalBytes: 12_000_000, totalFiles: 21 };
    const at = (columns: number) => progressText(c, 3000, 4_000_000, 'backup level 0: ', columns);
    assert.equal(at(120), 'backup level 0: [0:03]  45.0%  5.40 MB / 12.0 MB  12 / 21 files  4.00 MB/s  ETA 0:02');
    assert.equal(at(80), 'backup level 0: [0:03]  45.0%  5.40 MB / 12.0 MB  4.00 MB/s  ETA 0:02');
    assert.equal(at(60), 'backup level 0: [0:03]  45.0%  5.40 MB / 12.0 MB  ETA 0:02');
    assert.equal(at(55), 'backup level 0: 45.0%  5.40 MB / 12.0 MB  ETA 0:02');
    assert.equal(at(30), 'backup level 0: 45.0%  5.40 M', 'then cut, one column short of the edge');
  });

  it('without totals (a Freezer backup): no percentage nor ETA', function () {
    assert.equal(progressText({ ...base, bytes: 2_000_000, files: 3 }, 61_000, 1_000_000), '[1:01]  2.00 MB  3 files  1.00 MB/s');
  });

  it('finishing: what is left instead of a falling rate', function () {
    const c = {
      ...base,
      bytes: 12_000_000,
      files: 21,
      totalBytes: 12_000_000,
      totalFiles: 21,
      finishing: 'committing the staging directory',
    };
    assert.equal(progressText(c, 5000, 10), '[0:05]  100%  12.0 MB  21 files  finishing: committing the staging directory');
  });
});

describe('offset map', function () {
  it('translates a later stage offset back through the marks, interpolating', function () {
    const m = new OffsetMap(2);
    m.mark(100, 1000, 1);
    m.mark(300, 1400, 5);
    assert.deepEqual(m.at(0), [0, 0]);
    assert.deepEqual(m.at(50), [500, 0.5]);
    assert.deepEqual(m.at(200), [1200, 3]);
    assert.deepEqual(m.at(300), [1400, 5]);
    assert.deepEqual(m.at(400), [1400, 5], 'past the last mark: the last figures');
    m.mark(500, 2000, 6);
    assert.deepEqual(m.at(450), [1850, 5.75]);
  });
});
