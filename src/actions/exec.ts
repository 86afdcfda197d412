// `--action exec`: the operator's own command line, run through /bin/sh -c (it is theirs to
// quote); its exit status becomes the agent's.
import { spawn } from 'node:child_process';
import os from 'node:os';

export function runExec(command: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? 128 + (signal ? (os.constants.signals[signal] ?? 0) : 0)));
  });
}
