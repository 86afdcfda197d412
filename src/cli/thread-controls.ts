// --max-priority (Freezer's) and --nice, --io-priority, --cpu-affinity (permafrost's) on every
// thread of the process. Linux keeps nice, I/O priority and affinity per thread, and the work
// is done by the libuv pool's threads (and liblzma's, which they start), not the main thread.
// Threads inherit all three from the thread that creates them, and the pool is started by the
// main thread: so the main thread is set first, then every existing thread (the pool too, when
// something started it already). test/node-controls.test.ts shows that this alone covers every
// thread of a backup; the pool is then made to exist and every thread set once more, for a
// thread started meanwhile by one not yet set. An explicit option wins over --max-priority.
import fs from 'node:fs/promises';
import os from 'node:os';
import { usageError } from '../base/errors.js';
import type { Logger } from '../base/log.js';
import type { AgentOptions } from '../config/agent-options.js';
import { formatCpuList, IO_CLASS_NUMBER, type IoPriority } from '../config/process-controls.js';
import type { NativeThreadControlFailures, NativeThreadControls } from '../native.js';

type Control = keyof NativeThreadControlFailures;

/** What to set, and which option asked for each control (named in warnings). */
export interface ControlPlan {
  controls: NativeThreadControls;
  asked: Partial<Record<Control, string>>;
  /** What each control is set to, in words. */
  said: Partial<Record<Control, string>>;
}

const IO_CLASS_WORDS = { rt: 'realtime', be: 'best-effort', idle: 'idle' } as const;
/** Freezer's --max-priority: os.nice(-19) (relative) and ionice -c 1 -n 0. */
const MAX_PRIORITY_NICE_STEP = -19;
const MAX_PRIORITY_IO: IoPriority = { ioClass: 'rt', level: 0 };

/** The options that ask for controls (AgentOptions' fields). */
export interface ControlOptions {
  max_priority: boolean;
  nice?: number;
  io_prio?: IoPriority;
  cpu_list?: number[];
}

const clampNice = (n: number) => Math.min(19, Math.max(-20, n));

/** `currentNice`: the main thread's nice now, which --max-priority lowers by 19 as Freezer does. */
export function planControls(o: ControlOptions, currentNice: number): ControlPlan {
  const plan: ControlPlan = { controls: {}, asked: {}, said: {} };
  if (o.nice !== undefined || o.max_priority) {
    const nice = o.nice ?? clampNice(currentNice + MAX_PRIORITY_NICE_STEP);
    plan.controls.nice = nice;
    plan.asked.nice = o.nice !== undefined ? `--nice ${o.nice}` : '--max-priority';
    plan.said.nice = `nice ${nice}`;
  }
  const io = o.io_prio ?? (o.max_priority ? MAX_PRIORITY_IO : undefined);
  if (io) {
    plan.controls.ioClass = IO_CLASS_NUMBER[io.ioClass];
    plan.controls.ioLevel = io.level;
    plan.asked.io = o.io_prio ? `--io-priority ${io.ioClass}${io.ioClass === 'idle' ? '' : `:${io.level}`}` : '--max-priority';
    plan.said.io = `I/O class ${IO_CLASS_WORDS[io.ioClass]}${io.ioClass === 'idle' ? '' : ` level ${io.level}`}`;
  }
  if (o.cpu_list) {
    plan.controls.cpus = o.cpu_list;
    plan.asked.cpus = `--cpu-affinity ${formatCpuList(o.cpu_list)}`;
    plan.said.cpus = `CPUs ${formatCpuList(o.cpu_list)}`;
  }
  return plan;
}

const THE_CALL: Record<Control, string> = { nice: 'set the nice value', io: 'set the I/O priority', cpus: 'set the CPU affinity' };

/**
 * Applies what the options ask for; a control the system refuses (not root, no such call) is a
 * warning naming the option and the reason. A CPU list none of which this process may use
 * (sched_setaffinity EINVAL: a cpuset without them) is a usage error.
 */
export async function applyThreadControls(o: AgentOptions, log: Logger): Promise<void> {
  const plan = planControls(o, os.getPriority());
  const asked = Object.keys(plan.asked) as Control[];
  if (!asked.length) return;
  const { native } = await import('../native.js');
  const failed = native.applyThreadControls(plan.controls);
  // Any pool job starts all the pool's threads at once (libuv); Node's fs calls are pool jobs.
  await fs.access('/');
  const again: NativeThreadControls = { ...plan.controls };
  if (failed.nice) delete again.nice;
  if (failed.io) {
    delete again.ioClass;
    delete again.ioLevel;
  }
  if (failed.cpus) delete again.cpus;
  const later = native.applyThreadControls(again);
  const failures: NativeThreadControlFailures = { ...later, ...failed };
  if (failures.cpus?.errno === os.constants.errno.EINVAL)
    throw usageError(`${plan.asked.cpus}: this process may use none of these CPUs (${failures.cpus.message})`);
  for (const control of asked.filter((c) => failures[c]))
    log.warn(`${plan.asked[control]}: cannot ${THE_CALL[control]}: ${failures[control]!.message}`);
  const cpus = native.getThreadControls(0).cpus;
  if (plan.controls.cpus && !failures.cpus && formatCpuList(cpus) !== formatCpuList(plan.controls.cpus))
    log.warn(`${plan.asked.cpus}: this process may only use CPUs ${formatCpuList(cpus)} (its cpuset): running on those`);
  const applied = asked.filter((c) => !failures[c]).map((c) => plan.said[c]);
  if (applied.length) log.info(`thread controls: ${applied.join(', ')} on every thread`);
}
