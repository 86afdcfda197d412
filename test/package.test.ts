// The package as npm users get it: packed with `npm pack` (package.json's `files` decides what is
// in it), installed into a fresh project, and imported from there. `permafrost/rsync` must give
// rdiff's bytes with the committed prebuild and load no module of the agent; the root export
// must still load, without the CLIs' entry points (those are bin/'s).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO } from './helpers/agent.js';

/** The agent's layers: `permafrost/rsync` may load none of them. */
const AGENT_LAYERS = ['cli', 'actions', 'catalog', 'config', 'storage', 'engines', 'pipeline', 'codecs', 'crypto'];

/** Loaded first (`node --import`): registers HOOK, which runs on the loader's own thread. */
const RECORDER = `import { register } from 'node:module';
register('./record-hook.mjs', import.meta.url);
`;

/** Appends every URL an ES import resolves to to $PERMAFROST_LOADS (a file: the hook has its own thread). */
const HOOK = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  appendFileSync(process.env.PERMAFROST_LOADS, result.url + '\\n');
  return result;
}
`;

/**
 * Imports a specifier in the project and prints what it exports, the signature of a file (when
 * there is `signature`), and the files CommonJS loaded (the addon is one: ES imports never see it).
 */
const PROBE = `import { createRequire } from 'node:module';
const [specifier, file] = process.argv.slice(2);
const lib = await import(specifier);
const signature = typeof lib.signature === 'function' ? (await lib.signature(file)).toString('base64') : null;
const required = Object.keys(createRequire(import.meta.url).cache);
process.stdout.write(JSON.stringify({ exports: Object.keys(lib), signature, required }));
`;

/** Type-checks an import of `permafrost/rsync` through the exports map's `types`. */
const TYPED = `import { signature, delta, patch, type SignatureOptions } from 'permafrost/rsync';
const options: SignatureOptions = { blockLength: 512 };
const sig: Buffer = await signature(Buffer.from('typed'), options);
const rebuilt: Buffer = await patch(Buffer.from('typed'), await delta(sig, Buffer.from('typed!')));
export { rebuilt };
`;

function sh(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}${r.error ? ` ${r.error.message}` : ''}`);
  return r.stdout;
}

describe('the npm package (npm pack, installed into a fresh project)', function () {
  let work: string;
  let project: string;
  let installed: string;
  let basis: string;
  /** rdiff 2.3.2's signature of `basis`. */
  let rdiffSig: Buffer;

  /** Runs PROBE on `specifier` in the project; returns its answer and every URL ES imports resolved to. */
  function probe(specifier: string): { exports: string[]; signature: string | null; required: string[]; resolved: string[] } {
    const loads = path.join(work, `loads-${specifier.replace(/\W/g, '_')}.txt`);
    fs.rmSync(loads, { force: true });
    const out = sh(process.execPath, ['--import', './record-loads.mjs', 'probe.mjs', specifier, basis], project, {
      PERMAFROST_LOADS: loads,
    });
    return { ...JSON.parse(out), resolved: fs.readFileSync(loads, 'utf8').split('\n').filter(Boolean) };
  }

  before(function () {
    assert.ok(fs.existsSync(path.join(REPO, 'dist', 'src', 'rsync', 'index.js')), 'build first: npm run build:ts');
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-package-'));
    const packed = JSON.parse(sh('npm', ['pack', REPO, '--pack-destination', work, '--ignore-scripts', '--json'], work)) as Array<{
      filename: string;
    }>;
    project = path.join(work, 'project');
    fs.mkdirSync(project);
    fs.writeFileSync(path.join(project, 'package.json'), `${JSON.stringify({ name: 'probe', private: true, type: 'module' })}\n`);
    // No install script: what must load is the committed prebuild, not a fresh build.
    sh('npm', ['install', path.join(work, packed[0].filename), '--no-audit', '--no-fund', '--ignore-scripts', '--prefer-offline'], project);
    installed = fs.realpathSync(path.join(project, 'node_modules', 'permafrost'));
    fs.writeFileSync(path.join(project, 'record-loads.mjs'), RECORDER);
    fs.writeFileSync(path.join(project, 'record-hook.mjs'), HOOK);
    fs.writeFileSync(path.join(project, 'probe.mjs'), PROBE);
    basis = path.join(work, 'basis.bin');
    fs.writeFileSync(basis, Buffer.from(Array.from({ length: 5000 }, (_, i) => `line ${i} of a small basis\n`).join('')));
    sh('rdiff', ['signature', basis, 'rdiff.sig'], work);
    rdiffSig = fs.readFileSync(path.join(work, 'rdiff.sig'));
  });

  after(function () {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it("permafrost/rsync: rdiff's signature, from the prebuild, loading nothing of the agent", function () {
    const r = probe('permafrost/rsync');
    assert.ok(Buffer.from(r.signature!, 'base64').equals(rdiffSig), "the signature differs from rdiff 2.3.2's");
    assert.ok(
      ['signature', 'delta', 'patch', 'loadSignature', 'RsyncError'].every((name) => r.exports.includes(name)),
      r.exports.join(', '),
    );

    const root = `file://${installed}/`;
    const files = r.resolved.filter((url) => url.startsWith(root)).map((url) => url.slice(root.length));
    assert.ok(files.includes('dist/src/rsync/index.js'), `the installed package was not the one loaded: ${r.resolved.join(', ')}`);
    const agent = files.filter((f) => AGENT_LAYERS.some((layer) => f.startsWith(`dist/src/${layer}/`)));
    assert.deepEqual(agent, [], 'modules of the agent loaded by permafrost/rsync');
    assert.deepEqual(
      files.filter((f) => !f.startsWith('dist/src/rsync/') && f !== 'dist/src/native.js'),
      [],
      'only the library and the addon loader',
    );

    const addon = r.required.filter((f) => f.endsWith('.node'));
    assert.deepEqual(addon, [path.join(installed, 'prebuilds', `${process.platform}-${process.arch}`, 'permafrost.node')]);
  });

  it('permafrost/rsync carries its types (checked through the exports map)', function () {
    fs.writeFileSync(path.join(project, 'typed.mts'), TYPED);
    fs.writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          strict: true,
          noEmit: true,
          skipLibCheck: true,
          types: ['node'],
          typeRoots: [path.join(REPO, 'node_modules', '@types')],
        },
        files: ['typed.mts'],
      }),
    );
    sh(process.execPath, [path.join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], project);
  });

  it('permafrost (the root export) still loads, and exports no CLI entry point', function () {
    const r = probe('permafrost');
    assert.ok(Buffer.from(r.signature!, 'base64').equals(rdiffSig));
    for (const name of ['compress', 'encryptStream', 'LocalStore', 'createTarBackup', 'PermafrostError'])
      assert.ok(r.exports.includes(name), name);
    assert.deepEqual(
      r.exports.filter((name) => /main$/i.test(name)),
      [],
      'agentMain and rdiffMain are gone',
    );
    const root = `file://${installed}/dist/src/`;
    // The recorder sees the agent's layers when they are loaded (so their absence above means something).
    assert.ok(
      r.resolved.some((url) => url.startsWith(`${root}storage/`)) && r.resolved.some((url) => url.startsWith(`${root}codecs/`)),
      r.resolved.join(', '),
    );
    assert.deepEqual(
      r.resolved.filter((url) => url.startsWith(`${root}cli/`)),
      [],
      'the root export loads no CLI module',
    );
  });
});
