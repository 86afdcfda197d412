// Level choice and retention rules, on synthetic chains (no I/O).
import assert from 'node:assert/strict';
import type { Chain, Member } from '../src/catalog/chains.js';
import { chooseLevel } from '../src/catalog/levels.js';
import { planRemoval } from '../src/catalog/retention.js';

function chain(chainStart: number, spec: [number, number, string | null][]): Chain {
  const members: Member[] = spec.map(([level, ts, parent]) => ({
    engine: 'tar',
    chainName: 'h_n',
    chainStart,
    level,
    ts,
    parent,
    meta: {},
  }));
  return { chainStart, members };
}

describe('levels', function () {
  const day = 86400;
  it('starts a chain, then increments without bound', function () {
    assert.equal(chooseLevel([], { noIncremental: false }, 100).level, 0);
    const c = chain(100, [
      [0, 100, null],
      [1, 200, '0_100'],
      [2, 300, '1_200'],
    ]);
    const d = chooseLevel([c], { noIncremental: false }, 400);
    assert.equal(d.level, 3);
    assert.equal(d.parent?.ts, 300);
  });
  it('cycles with --max-level and forces level 0 with --no-incremental', function () {
    const c = chain(100, [
      [0, 100, null],
      [1, 200, '0_100'],
    ]);
    assert.equal(chooseLevel([c], { noIncremental: false, maxLevel: 1 }, 300).level, 0);
    assert.equal(chooseLevel([c], { noIncremental: false, maxLevel: 2 }, 300).level, 2);
    assert.equal(chooseLevel([c], { noIncremental: true }, 300).level, 0);
  });
  it('repeats --always-level against the newest level N-1, deterministically', function () {
    const c = chain(100, [
      [0, 100, null],
      [1, 200, '0_100'],
      [2, 300, '1_200'],
      [2, 250, '1_200'],
    ]);
    c.members.sort((a, b) => a.ts - b.ts);
    const d = chooseLevel([c], { noIncremental: false, alwaysLevel: 2 }, 400);
    assert.equal(d.level, 2);
    assert.equal(d.parent?.ts, 200);
  });
  it('restarts after --restart-always-level days counted from level 0', function () {
    const c = chain(0, [
      [0, 0, null],
      [1, 2 * day, '0_0'],
    ]);
    assert.equal(chooseLevel([c], { noIncremental: false, restartAlwaysLevelDays: 3 }, 2.5 * day).level, 2);
    assert.equal(chooseLevel([c], { noIncremental: false, restartAlwaysLevelDays: 3 }, 3.5 * day).level, 0);
  });
});

describe('retention', function () {
  it('never removes a level 0 a kept increment needs, nor the newest chain', function () {
    const old = chain(100, [
      [0, 100, null],
      [1, 200, '0_100'],
      [2, 900, '1_200'],
    ]);
    const older = chain(10, [
      [0, 10, null],
      [1, 20, '0_10'],
    ]);
    const newest = chain(1000, [[0, 1000, null]]);
    const plan = planRemoval([older, old, newest], 500);
    assert.deepEqual(
      plan.chains.map((c) => c.chainStart),
      [10],
    );
    assert.deepEqual(plan.members, []);
    const all = planRemoval([older, old, newest], 5000);
    assert.deepEqual(
      all.chains.map((c) => c.chainStart),
      [10, 100],
    );
  });
  it('removes superseded always-level increments that nothing needs', function () {
    const c = chain(100, [
      [0, 100, null],
      [1, 200, '0_100'],
      [2, 300, '1_200'],
      [2, 400, '1_200'],
      [2, 900, '1_200'],
    ]);
    const plan = planRemoval([c, chain(2000, [[0, 2000, null]])], 500);
    assert.deepEqual(
      plan.members.map((m) => m.ts),
      [300, 400],
    );
  });
});
