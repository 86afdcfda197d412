// Codec names as Freezer stores them in metadata (`compression`), their default levels (the
// stock tools' defaults, so output matches what operators expect) and valid level ranges.
import { usageError } from '../base/errors.js';

export type CodecName = 'gzip' | 'bzip2' | 'xz' | 'zstd' | 'none';

interface CodecInfo {
  defaultLevel: number;
  min: number;
  max: number;
  /** Stock decompressor argv, for the README's "restore with stock tools". */
  stockDecompress: readonly string[];
}

export const CODECS: Record<CodecName, CodecInfo> = {
  gzip: { defaultLevel: 6, min: 1, max: 9, stockDecompress: ['gzip', '-dc'] },
  bzip2: { defaultLevel: 9, min: 1, max: 9, stockDecompress: ['bzip2', '-dc'] },
  xz: { defaultLevel: 6, min: 0, max: 9, stockDecompress: ['xz', '-dc'] },
  zstd: { defaultLevel: 3, min: 1, max: 19, stockDecompress: ['zstd', '-dc'] },
  none: { defaultLevel: 0, min: 0, max: 0, stockDecompress: ['cat'] },
};

export function isCodecName(name: string): name is CodecName {
  return Object.prototype.hasOwnProperty.call(CODECS, name);
}

export function resolveLevel(codec: CodecName, level: number | undefined): number {
  const info = CODECS[codec];
  if (level === undefined) return info.defaultLevel;
  if (!Number.isInteger(level) || level < info.min || level > info.max) {
    throw usageError(`invalid value for --compression-level: ${level} (${codec} takes ${info.min}..${info.max})`);
  }
  return level;
}
