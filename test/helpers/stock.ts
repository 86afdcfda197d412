// Restoring with stock tools only (the README's recipe): openssl enc -d | <decompressor> |
// tar --incremental -x, level by level, in a shell-free pipeline of child processes.
import fs from 'node:fs';
import path from 'node:path';
import { run } from './agent.js';

const DECOMPRESS: Record<string, string[]> = {
  gzip: ['gzip', '-dc'],
  bzip2: ['bzip2', '-dc'],
  xz: ['xz', '-dc'],
  zstd: ['zstd', '-dcq'],
  none: ['cat'],
};

/** data objects of one backup name in restore order (level 0 first), from the Freezer layout. */
export function levelObjects(store: string, engine = 'tar'): { data: string; meta: Record<string, unknown> }[] {
  const base = path.join(store, 'data', engine);
  const [chainName] = fs.readdirSync(base);
  const [chainStart] = fs.readdirSync(path.join(base, chainName)).sort();
  const members = fs.readdirSync(path.join(base, chainName, chainStart)).sort((a, b) => Number(a.split('_')[1]) - Number(b.split('_')[1]));
  return members.map((m) => ({
    data: path.join(base, chainName, chainStart, m, 'data'),
    meta: JSON.parse(fs.readFileSync(path.join(store, 'metadata', engine, chainName, chainStart, m, 'metadata'), 'utf8').split('\n')[0]),
  }));
}

export function stockDecode(dataFile: string, codec: string, passFile?: string): Buffer {
  let bytes: Buffer = fs.readFileSync(dataFile);
  if (passFile) {
    const d = run('openssl', ['enc', '-d', '-aes-256-cfb', '-md', 'sha256', '-pass', `file:${passFile}`], { input: bytes });
    if (d.status !== 0) throw new Error(`openssl enc -d failed: ${d.stderr}`);
    bytes = d.stdout;
  }
  const [cmd, ...args] = DECOMPRESS[codec];
  const z = run(cmd, args, { input: bytes });
  if (z.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${z.stderr}`);
  return z.stdout;
}

export function stockRestore(store: string, dest: string, passFile?: string): void {
  fs.mkdirSync(dest, { recursive: true });
  for (const { data, meta } of levelObjects(store)) {
    const tarBytes = stockDecode(data, String(meta.compression), meta.encryption ? passFile : undefined);
    const t = run('tar', ['--incremental', '--extract', '--warning=none', '--directory', dest, '-f', '-'], { input: tarBytes });
    if (t.status !== 0) throw new Error(`tar --incremental -x failed: ${t.stderr}`);
  }
}
