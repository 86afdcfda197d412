// Spreading a fleet's runs (docs/SCHEDULER.md §4): a job with `jitter_seconds: N` starts up
// to N seconds after its time. Half of that bound is a stable offset per host and job (the
// same every run, different between hosts, so a fleet sharing one schedule does not reach
// its storage in the same second); the other half is random per run (so two jobs of one host
// do not lock-step either). The sum stays below N.
import { createHash } from 'node:crypto';

/** The stable part: [0, boundMs / 2), from the host and the job's id. */
export function hostOffsetMs(boundMs: number, host: string, jobId: string): number {
  const half = Math.floor(boundMs / 2);
  if (half <= 0) return 0;
  const h = createHash('sha256').update(`${host}\0${jobId}`).digest();
  return h.readUInt32BE(0) % half;
}

/** The whole delay of one run: [0, boundMs). `random` is Math.random unless a test fixes it. */
export function jitterDelayMs(boundMs: number, host: string, jobId: string, random: () => number = Math.random): number {
  if (boundMs <= 0) return 0;
  const half = Math.floor(boundMs / 2);
  return hostOffsetMs(boundMs, host, jobId) + Math.floor(random() * (boundMs - half));
}
