// A CLI run whose main() can no longer settle (a bug: it awaits something that never ends) must
// not exit 0 when Node runs out of work: it exits with the internal-error code and says so.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const stallModule = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'stall.js');

function runScript(body: string) {
  const script = `import { failIfStalled } from ${JSON.stringify(stallModule)};\n${body}`;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
}

describe('agent CLI: a stalled run', () => {
  it('exits 1 with a message when the work stops pending', () => {
    const r = runScript("failIfStalled('permafrost-agent'); await new Promise(() => {});");
    assert.equal(r.status, 1);
    assert.match(r.stderr, /internal error: stopped with work still pending/);
  });

  it('leaves a run that settled alone', () => {
    const r = runScript('const done = failIfStalled("permafrost-agent"); await new Promise((res) => setTimeout(res, 5)); done();');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
  });
});
