// Facts about the machine and tools that a reader needs to judge the numbers.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { toolVersion } from './shell.js';

export interface MachineFacts {
  nproc: number;
  cpuModel: string;
  memTotalMiB: number;
  kernel: string;
  node: string;
  /** 1-minute load average when the run started: a busy machine makes every number suspect. */
  loadAvgAtStart: number;
  agentRevision: string;
  tools: Record<string, string>;
}

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'));
    if (m) return m[1].trim();
  } catch {
    // not Linux: fall through to what Node knows
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

function nproc(): number {
  // `nproc` honours the CPU affinity mask (taskset, containers); os.cpus() does not.
  const r = spawnSync('nproc', { encoding: 'utf8' });
  const n = Number(r.stdout?.trim());
  return Number.isInteger(n) && n > 0 ? n : os.availableParallelism();
}

function agentRevision(repoRoot: string): string {
  const r = spawnSync('git', ['-C', repoRoot, 'describe', '--always', '--dirty'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : 'unknown (no commit yet)';
}

export function machineFacts(repoRoot: string): MachineFacts {
  return {
    nproc: nproc(),
    cpuModel: cpuModel(),
    memTotalMiB: Math.round(os.totalmem() / 2 ** 20),
    kernel: `${os.type()} ${os.release()}`,
    node: process.version,
    loadAvgAtStart: os.loadavg()[0],
    agentRevision: agentRevision(repoRoot),
    tools: {
      tar: toolVersion(['tar', '--version']),
      zstd: toolVersion(['zstd', '--version']),
      pigz: toolVersion(['pigz', '--version']),
      gzip: toolVersion(['gzip', '--version']),
      bzip2: toolVersion(['bzip2', '--help']),
      xz: toolVersion(['xz', '--version']),
    },
  };
}
