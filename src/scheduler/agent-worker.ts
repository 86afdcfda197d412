// A worker thread of the agent pool (agent-pool.ts): it starts and watches agents for the
// daemon's main thread, which only records and plans. Messages: `run` (the options, without
// the signal and callbacks, which cannot cross threads), `abort` (of a run); answers: `spawn`
// (the agent's pid), `done` (its result) or `error`.
import { parentPort } from 'node:worker_threads';
import { runAgent, type AgentRunOptions } from './agent-run.js';

export type ToWorker = { type: 'run'; id: number; opts: Omit<AgentRunOptions, 'signal' | 'onSpawn'> } | { type: 'abort'; id: number };

const port = parentPort;
if (port) {
  const controllers = new Map<number, AbortController>();
  port.on('message', (m: ToWorker) => {
    if (m.type === 'abort') {
      controllers.get(m.id)?.abort();
      return;
    }
    const controller = new AbortController();
    controllers.set(m.id, controller);
    runAgent({ ...m.opts, signal: controller.signal, onSpawn: (pid) => port.postMessage({ type: 'spawn', id: m.id, pid }) })
      .then(
        (result) => port.postMessage({ type: 'done', id: m.id, result }),
        (err: Error) => port.postMessage({ type: 'error', id: m.id, message: err.message }),
      )
      .finally(() => controllers.delete(m.id));
  });
}
