// Typed conversion of option values, shared by the command line and INI files, so that a
// value means the same wherever it comes from (Freezer keeps INI values as strings).
import type { OptionSpec } from './options.js';
import { didYouMean } from '../base/suggest.js';

export class ValueError extends Error {}

const TRUE = new Set(['true', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'no', 'off', '0', 'none', '']);
const SIZE_UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

export function parseBool(raw: string): boolean {
  const v = raw.trim().toLowerCase();
  if (TRUE.has(v)) return true;
  if (FALSE.has(v)) return false;
  throw new ValueError(`expected true or false, got "${raw}"`);
}

export function parseInt10(raw: string): number {
  const v = raw.trim();
  if (!/^[+-]?\d+$/.test(v)) throw new ValueError(`expected an integer, got "${raw}"`);
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new ValueError(`integer out of range: "${raw}"`);
  return n;
}

export function parseFloat10(raw: string): number {
  const v = raw.trim();
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v)) throw new ValueError(`expected a number, got "${raw}"`);
  return Number(v);
}

/** Bytes with an optional binary suffix: 512, 10K, 120M, 10G (also 10KB, 10KiB). */
export function parseSize(raw: string): number {
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$/i.exec(raw);
  if (!m) throw new ValueError(`expected a size such as 512, 10K, 120M or 1G, got "${raw}"`);
  const n = Number(m[1]) * SIZE_UNITS[m[2].toLowerCase()];
  if (!Number.isSafeInteger(Math.round(n))) throw new ValueError(`size out of range: "${raw}"`);
  return Math.round(n);
}

/**
 * Freezer's string "booleans" (`--no-incremental X`) are enabled by any non-empty string,
 * even "False"; we take the words literally and document it.
 */
export function parseStrBool(raw: string): boolean {
  const v = raw.trim().toLowerCase();
  if (FALSE.has(v)) return false;
  return true;
}

export function convertValue(spec: OptionSpec, raw: string): unknown {
  let value: unknown;
  switch (spec.type) {
    case 'str':
      value = raw;
      break;
    case 'int':
      value = parseInt10(raw);
      break;
    case 'float':
      value = parseFloat10(raw);
      break;
    case 'bool':
      value = parseBool(raw);
      break;
    case 'size':
      value = parseSize(raw);
      break;
    case 'strbool':
      value = parseStrBool(raw);
      break;
    case 'strword':
      value = parseStrBool(raw) && raw.trim();
      break;
  }
  if (spec.choices && !spec.choices.includes(String(value))) {
    const hint = didYouMean(raw.trim().toLowerCase(), spec.choices);
    throw new ValueError(`expected one of ${spec.choices.join(', ')}, got "${raw}"${hint}`);
  }
  return value;
}
