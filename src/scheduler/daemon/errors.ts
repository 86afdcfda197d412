// The scheduler's failures a user can cause, each with its own exit code (README, "Exit codes
// of permafrost-scheduler"): scripts tell a missing job from a refused document from an API
// that does not answer. Anything else is a bug and exits 1.
export const SchedulerExit = {
  OK: 0,
  INTERNAL: 1,
  USAGE: 2,
  CONFIG: 3,
  JOB_INVALID: 14,
  NOT_FOUND: 15,
  API: 16,
  STATE: 17,
} as const;

export type SchedulerExitName = keyof typeof SchedulerExit;

export class SchedulerError extends Error {
  readonly exitCode: number;
  constructor(
    readonly kind: SchedulerExitName,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SchedulerError';
    this.exitCode = SchedulerExit[kind];
  }
}
