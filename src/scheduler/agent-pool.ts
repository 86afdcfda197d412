// Agents started from worker threads. Starting a process costs about 2 ms of the thread that
// starts it (libuv forks the whole daemon, then sets up its pipes), so 200 jobs due in the
// same second queued up for most of a second behind each other on the main thread
// (bench/RESULTS.md, scheduler). The workers start them side by side; the main thread only
// records and plans, and a run starts on time.
import { Worker } from 'node:worker_threads';
import type { AgentRunOptions, AgentRunResult } from './agent-run.js';
import type { ToWorker } from './agent-worker.js';

type FromWorker =
  | { type: 'spawn'; id: number; pid: number }
  | { type: 'done'; id: number; result: AgentRunResult }
  | { type: 'error'; id: number; message: string };

interface Pending {
  worker: Worker;
  opts: AgentRunOptions;
  resolve: (r: AgentRunResult) => void;
  reject: (e: Error) => void;
}

export class AgentPool {
  private readonly workers: { worker: Worker; busy: number }[] = [];
  private readonly pending = new Map<number, Pending>();
  private next = 0;

  constructor(size: number, workerUrl: URL = new URL('./agent-worker.js', import.meta.url)) {
    for (let i = 0; i < size; i++) {
      // Small heaps: a worker holds only the runs it watches (their last 64 KiB of output each);
      // V8's default young generation would let each grow tens of MiB under a burst of runs.
      const worker = new Worker(workerUrl, { resourceLimits: { maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 64 } });
      worker.unref();
      worker.on('message', (m: FromWorker) => this.answer(m));
      worker.on('error', (err) => this.failAll(worker, err));
      worker.on('exit', (code) => this.failAll(worker, new Error(`an agent pool worker stopped (exit ${code})`)));
      this.workers.push({ worker, busy: 0 });
    }
  }

  /** runAgent, in the least busy worker. */
  run(opts: AgentRunOptions): Promise<AgentRunResult> {
    const slot = this.workers.reduce((a, b) => (b.busy < a.busy ? b : a));
    const id = ++this.next;
    const { signal, onSpawn: _onSpawn, ...plain } = opts;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { worker: slot.worker, opts, resolve, reject });
      slot.busy++;
      const abort = () => slot.worker.postMessage({ type: 'abort', id } satisfies ToWorker);
      const settle = () => {
        slot.busy--;
        signal?.removeEventListener('abort', abort);
      };
      this.pending.get(id)!.resolve = (r) => (settle(), resolve(r));
      this.pending.get(id)!.reject = (e) => (settle(), reject(e));
      slot.worker.postMessage({ type: 'run', id, opts: plain } satisfies ToWorker);
      if (signal?.aborted) abort();
      else signal?.addEventListener('abort', abort, { once: true });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
  }

  private answer(m: FromWorker): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.type === 'spawn') {
      p.opts.onSpawn?.(m.pid);
      return;
    }
    this.pending.delete(m.id);
    if (m.type === 'done') p.resolve(m.result);
    else p.reject(new Error(m.message));
  }

  private failAll(worker: Worker, err: Error): void {
    for (const [id, p] of this.pending)
      if (p.worker === worker) {
        this.pending.delete(id);
        p.reject(err);
      }
  }
}
