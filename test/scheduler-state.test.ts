// A job's states and events (src/scheduler/job-state.ts): freezer-scheduler's table, and the
// freezer-scheduler 13 defects it leaves out (an abort that keeps an idle job firing, the
// `remove` event that spins it).
import assert from 'node:assert/strict';
import { initialEvent, NEW_JOB, onEvent, onRunEnd, onRunStart, type JobState } from '../src/scheduler/job-state.js';

const stopped: JobState = NEW_JOB;
const scheduled: JobState = { state: 'scheduled', status: 'scheduled', pending: '' };
const running: JobState = { state: 'running', status: 'running', pending: '' };

describe('scheduler: job states and events', function () {
  it("starts a new job unless it was stopped (Freezer's Autostart), keeping an event it has", function () {
    assert.equal(initialEvent({ status: '', event: '' }), 'start');
    assert.equal(initialEvent({ status: 'scheduled', event: '' }), 'start');
    assert.equal(initialEvent({ status: 'stop', event: '' }), 'stop');
    assert.equal(initialEvent({ status: 'stop', event: 'start' }), 'start');
  });

  it('follows freezer-scheduler for start and stop', function () {
    assert.deepEqual(onEvent(stopped, 'start'), { next: scheduled, effects: ['schedule', 'report'] });
    assert.deepEqual(onEvent(scheduled, 'start'), { next: scheduled, effects: ['report'] });
    assert.deepEqual(onEvent(scheduled, 'stop'), {
      next: { state: 'stop', status: 'stop', pending: '' },
      effects: ['unschedule', 'report'],
    });
    const stopWhileRunning = onEvent(running, 'stop');
    assert.deepEqual(stopWhileRunning.effects, ['report']);
    assert.equal(stopWhileRunning.next.pending, 'stop');
    assert.deepEqual(onRunEnd(stopWhileRunning.next, true), {
      next: { state: 'stop', status: 'completed', pending: '' },
      effects: ['unschedule', 'report'],
    });
    assert.equal(onEvent(stopWhileRunning.next, 'start').next.pending, '', 'a start cancels the pending stop');
  });

  it('a recurring job is scheduled again after its run; a one-shot job is completed', function () {
    assert.deepEqual(onRunStart(scheduled), running);
    assert.deepEqual(onRunEnd(running, true), { next: scheduled, effects: ['report'] });
    assert.deepEqual(onRunEnd(running, false).next, { state: 'stop', status: 'completed', pending: '' });
  });

  it('abort: stops a running run, and unschedules an idle job (freezer-scheduler 13 shows stop and keeps firing)', function () {
    const aborting = onEvent(running, 'abort');
    assert.deepEqual(aborting.effects, ['abort-run', 'report']);
    assert.equal(aborting.next.status, 'aborting');
    assert.equal(onRunEnd(aborting.next, true).next.status, 'completed');
    assert.deepEqual(onEvent(scheduled, 'abort'), {
      next: { state: 'stop', status: 'stop', pending: '' },
      effects: ['unschedule', 'report'],
    });
  });

  it('remove: forgets the job, after aborting its run (freezer-scheduler 13 spins at full CPU on it)', function () {
    assert.deepEqual(onEvent(scheduled, 'remove'), {
      next: { state: 'stop', status: 'removed', pending: '' },
      effects: ['unschedule', 'forget'],
    });
    assert.deepEqual(onEvent(stopped, 'remove').effects, ['forget']);
    const removing = onEvent(running, 'remove');
    assert.deepEqual(removing.effects, ['abort-run', 'report']);
    assert.deepEqual(onRunEnd(removing.next, true), {
      next: { state: 'stop', status: 'removed', pending: '' },
      effects: ['unschedule', 'forget'],
    });
  });

  it('an empty event changes nothing', function () {
    for (const s of [stopped, scheduled, running]) assert.deepEqual(onEvent(s, ''), { next: s, effects: [] });
  });
});
