// A job's state and its events (docs/SCHEDULER.md §6), freezer-scheduler's state machine with
// its defects left out: `abort` of an idle scheduled job unschedules it (13.0.0 shows `stop`
// and keeps firing), `remove` is an event like the others (13.0.0 spins on it), and an abort
// of a running job stops the run (13.0.0 never kills the agent). Pure: it says what to do
// (`effects`); the daemon does it and reports the new status.
import type { JobSchedule } from './job-document.js';

export type JobStateName = 'stop' | 'scheduled' | 'running';
export type JobEvent = JobSchedule['event'];

/** What the daemon does after a transition, in this order. */
export type Effect = 'schedule' | 'unschedule' | 'abort-run' | 'forget' | 'report';

export interface JobState {
  state: JobStateName;
  /** job_schedule.status as reported. */
  status: JobSchedule['status'];
  /** An event that takes effect when the running run ends (stop, remove), or ''. */
  pending: '' | 'stop' | 'remove';
}

export interface Transition {
  next: JobState;
  effects: Effect[];
}

/**
 * The state of a job seen for the first time, and the event it starts with: Freezer's
 * "Autostart" (no event and not stopped: start), a stopped job without an event stays stopped.
 */
export function initialEvent(schedule: Pick<JobSchedule, 'status' | 'event'>): JobEvent {
  if (schedule.event) return schedule.event;
  return schedule.status === 'stop' ? 'stop' : 'start';
}

export const NEW_JOB: JobState = { state: 'stop', status: '', pending: '' };

/** The transition for `event` in `current`. */
export function onEvent(current: JobState, event: JobEvent): Transition {
  const { state } = current;
  switch (event) {
    case '':
      return { next: current, effects: [] };
    case 'start':
      if (state === 'stop') return { next: { state: 'scheduled', status: 'scheduled', pending: '' }, effects: ['schedule', 'report'] };
      if (state === 'running' && current.pending === 'stop') return { next: { ...current, pending: '' }, effects: ['report'] };
      return { next: current, effects: ['report'] };
    case 'stop':
      if (state === 'running') return { next: { ...current, pending: 'stop' }, effects: ['report'] };
      return {
        next: { state: 'stop', status: 'stop', pending: '' },
        effects: state === 'scheduled' ? ['unschedule', 'report'] : ['report'],
      };
    case 'abort':
      if (state === 'running') return { next: { state: 'running', status: 'aborting', pending: 'stop' }, effects: ['abort-run', 'report'] };
      return {
        next: { state: 'stop', status: 'stop', pending: '' },
        effects: state === 'scheduled' ? ['unschedule', 'report'] : ['report'],
      };
    case 'remove':
      if (state === 'running')
        return { next: { state: 'running', status: 'aborting', pending: 'remove' }, effects: ['abort-run', 'report'] };
      return {
        next: { state: 'stop', status: 'removed', pending: '' },
        effects: state === 'scheduled' ? ['unschedule', 'forget'] : ['forget'],
      };
  }
}

/** A run starts: the job is running. */
export function onRunStart(current: JobState): JobState {
  return { state: 'running', status: 'running', pending: current.pending };
}

/**
 * A run ended. `fires` is true when the trigger has a next time. As in freezer-scheduler: a
 * removed job is forgotten, a job with nothing left to fire or a pending stop is `completed`
 * and stopped, a recurring one is `scheduled` again.
 */
export function onRunEnd(current: JobState, fires: boolean): Transition {
  if (current.pending === 'remove') return { next: { state: 'stop', status: 'removed', pending: '' }, effects: ['unschedule', 'forget'] };
  if (current.pending === 'stop' || !fires)
    return { next: { state: 'stop', status: 'completed', pending: '' }, effects: ['unschedule', 'report'] };
  return { next: { state: 'scheduled', status: 'scheduled', pending: '' }, effects: ['report'] };
}
