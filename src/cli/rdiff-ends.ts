// The ends permafrost-rdiff moves bytes between: fds handed to the native jobs, or streams.
import type { Readable, Writable } from 'node:stream';

export interface Totals {
  inBytes: number;
  outBytes: number;
}

export type Input =
  | { kind: 'fd'; fd: number; name: string; size: number | undefined; close(): Promise<void> }
  | { kind: 'stream'; stream: Readable; name: string; close(): Promise<void> };

export type OutputEnd =
  | { kind: 'fd'; fd: number; name: string; tempPath?: string; durable?: boolean; commit(): Promise<void>; abort(): Promise<void> }
  | { kind: 'stream'; stream: Writable; name: string; commit(): Promise<void>; abort(): Promise<void> };
