// The stock-tool pipelines permafrost is measured against. Levels are the tools' defaults
// (permafrost's defaults match them), threads = 2 like the agent runs.
import { shellPipeline, shq } from './shell.js';

export interface PeerOptions {
  /** Append an fsync of the output, matching the agent, which fsyncs every object it stores. */
  fsync: boolean;
}

function backupPipeline(compressor: string, src: string, out: string, o: PeerOptions): string[] {
  const sync = o.fsync ? ` && sync -- ${shq(out)}` : '';
  return shellPipeline(`tar -cf - -C ${shq(src)} . | ${compressor} > ${shq(out)}${sync}`);
}

export const tarZstd = (src: string, out: string, o: PeerOptions) => backupPipeline('zstd -q -T2 -3', src, out, o);
export const tarPigz = (src: string, out: string, o: PeerOptions) => backupPipeline('pigz -p2', src, out, o);
export const tarBzip2 = (src: string, out: string, o: PeerOptions) => backupPipeline('bzip2', src, out, o);
export const tarXz = (src: string, out: string, o: PeerOptions) => backupPipeline('xz -T2', src, out, o);

/** GNU tar's built-in gzip (single-threaded gzip child): what most cron-job backups do. */
export function tarCzf(src: string, out: string, o: PeerOptions): string[] {
  const sync = o.fsync ? ` && sync -- ${shq(out)}` : '';
  return shellPipeline(`tar -czf ${shq(out)} -C ${shq(src)} .${sync}`);
}

export function zstdUntar(archive: string, dest: string): string[] {
  return shellPipeline(`zstd -q -dc ${shq(archive)} | tar -xf - -C ${shq(dest)}`);
}
