// The two input forms every function takes: a Buffer (the bytes) or a string (a file path,
// opened and read by the native side through its fd). Also the names used in messages.
import { invalidParameterError } from './errors.js';

/** The bytes themselves, or the path of a file holding them. */
export type Source = Buffer | string;

/** Throws a TypeError (code ERR_PARAM) naming `name` unless `value` is a Buffer or a non-empty path. */
export function checkSource(name: string, value: unknown): asserts value is Source {
  if (Buffer.isBuffer(value)) return;
  if (typeof value === 'string' && value.length > 0) return;
  throw invalidParameterError(name, 'a Buffer or a file path (non-empty string)', value, typeof value === 'string' ? 'range' : 'type');
}

/** Throws a TypeError (code ERR_PARAM) naming `name` unless `value` is a non-empty path. */
export function checkPath(name: string, value: unknown): asserts value is string {
  if (typeof value === 'string' && value.length > 0) return;
  throw invalidParameterError(name, 'a file path (non-empty string)', value, typeof value === 'string' ? 'range' : 'type');
}

/** "basis /srv/a.img" or "basis (Buffer of 42 bytes)": how messages name an input. */
export function label(name: string, value: Source): string {
  return typeof value === 'string' ? `${name} ${value}` : `${name} (Buffer of ${value.length} bytes)`;
}

/** Throws a TypeError / RangeError (code ERR_PARAM) naming `name` unless `value` is an fd (an integer >= 0). */
export function checkFd(name: string, value: unknown): asserts value is number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return;
  throw invalidParameterError(name, 'a file descriptor (an integer >= 0)', value, typeof value === 'number' ? 'range' : 'type');
}

/** What `patchToFd` takes as the delta: its bytes, or chunks as they arrive (a Readable, a generator). */
export type DeltaInput = Buffer | AsyncIterable<Buffer>;

export function checkDeltaInput(name: string, value: unknown): asserts value is DeltaInput {
  if (Buffer.isBuffer(value)) return;
  if (typeof value === 'object' && value !== null && typeof (value as AsyncIterable<Buffer>)[Symbol.asyncIterator] === 'function') return;
  throw invalidParameterError(name, 'a Buffer or an async iterable of Buffers (a stream)', value, 'type');
}
