// The daemon's monitoring outputs, both opt-in: Prometheus metrics on --metrics-port (loopback
// by default) and the same text in --metrics-textfile for node-exporter, rewritten after each
// run and every minute (so next-run and overdue values stay current between runs).
import { VERSION } from '../base/version.js';
import type { SchedulerLog } from '../scheduler/daemon/log.js';
import { metricsText } from '../scheduler/monitor/metrics.js';
import { startMetricsServer } from '../scheduler/monitor/metrics-server.js';
import { writeTextfile } from '../scheduler/monitor/textfile.js';
import type { StateStore } from '../scheduler/store/state-store.js';
import type { SchedulerSettings } from './scheduler-settings.js';

export interface Monitoring {
  runRecorded(): void;
  close(): Promise<void>;
}

export async function startMonitoring(
  s: SchedulerSettings,
  store: StateStore,
  log: SchedulerLog,
  running: () => number,
): Promise<Monitoring> {
  const render = () => metricsText(store.listJobs(), { running: running(), version: VERSION }, Date.now());
  const server = s.metricsPort === undefined ? undefined : await startMetricsServer({ port: s.metricsPort, host: s.metricsHost, render });
  if (server) log.log('info', `metrics on http://${s.metricsHost}:${server.port}/metrics`);
  const file = s.metricsTextfile;
  const write = () => {
    if (!file) return;
    render()
      .then((text) => writeTextfile(file, text))
      .catch((err: Error) => log.log('warning', `cannot write the metrics textfile ${file}: ${err.message}`));
  };
  write();
  const timer = file ? setInterval(write, 60_000) : undefined;
  return {
    runRecorded: write,
    async close() {
      clearInterval(timer);
      write();
      await server?.close();
    },
  };
}
