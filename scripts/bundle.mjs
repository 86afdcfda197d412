// Builds the binaries' start-up files: one CommonJS file per binary (dist/bin/*.cjs) from the
// compiled ES modules in dist/src. Node 20 resolves, reads, compiles and links every ES module
// of a graph one at a time, and for a short run (`--help`, `permafrost-rdiff signature` of a
// small file) that was most of the time after Node's own start (bench/RESULTS.md, start-up).
// Modules an action imports lazily stay lazy: esbuild wraps them in functions that run on
// first import. Library users import dist/src as before; only bin/ uses these files.
//
// Then each binary runs a few short commands from its bundle and saves V8's code cache of it
// (dist/bin/<name>.cjs.cache, read by bin/start.cjs): compiling the bundle is then skipped,
// for the functions those commands ran too.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';

const BINARIES = {
  'permafrost-agent': 'dist/src/cli/agent.js',
  'permafrost-rdiff': 'dist/src/cli/rdiff.js',
  'permafrost-scheduler': 'dist/src/cli/scheduler.js',
};

/** What each binary runs before its cache is saved: the paths a short run takes. */
function warmUps(name, dir) {
  if (name === 'permafrost-agent') return [['--help'], ['--version'], ['--no-such-option']];
  if (name === 'permafrost-scheduler') return [['--help'], ['--version']];
  const basis = path.join(dir, 'basis');
  fs.writeFileSync(basis, 'permafrost code cache warm-up\n'.repeat(64));
  return [
    ['--help'],
    ['-f', 'signature', basis, path.join(dir, 'sig')],
    ['-f', 'delta', path.join(dir, 'sig'), basis, path.join(dir, 'delta')],
    ['-f', 'patch', basis, path.join(dir, 'delta'), path.join(dir, 'new')],
  ];
}

function saveCodeCache(name) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'permafrost-bundle-'));
  try {
    const cache = path.resolve(`dist/bin/${name}.cjs.cache`);
    fs.rmSync(cache, { force: true });
    const code = `const { load } = require(${JSON.stringify(path.resolve('bin/start.cjs'))});
      const { exports, script } = load(${JSON.stringify(name)});
      (async () => {
        for (const argv of ${JSON.stringify(warmUps(name, dir))}) await exports.main(argv);
        require('node:fs').writeFileSync(${JSON.stringify(cache)}, script.createCachedData());
      })();`;
    const r = spawnSync(process.execPath, ['-e', code], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    // The cache only saves time: without it (no addon built yet, say) the binary compiles its bundle.
    if (r.status !== 0 || !fs.existsSync(cache))
      process.stderr.write(`bundle: no code cache for ${name} (it starts a few ms slower): ${r.stderr.trim().split('\n').pop()}\n`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// The package's version, read once here rather than from package.json at every start.
const { VERSION } = await import('../dist/src/base/version.js');
const BUILT = { __BUILT_VERSION__: JSON.stringify(VERSION) };

/**
 * What the binary itself prints for each of these single arguments into a pipe (exit 0), saved
 * for bin/start.cjs to print without loading the bundle.
 */
function saveStaticAnswers(name) {
  const answers = {};
  for (const arg of ['--help', '-h', '--version']) {
    const r = spawnSync(process.execPath, [path.resolve('bin', name), arg], { encoding: 'utf8' });
    if (r.status === 0) answers[arg] = r.stdout;
  }
  fs.writeFileSync(`dist/bin/${name}.answers.json`, `${JSON.stringify(answers)}\n`);
}

// The scheduler's agent pool runs this file in its worker threads (src/scheduler/agent-pool.ts
// finds it beside the bundle, as ./agent-worker.js).
await build({
  entryPoints: ['dist/src/scheduler/agent-worker.js'],
  outfile: 'dist/bin/agent-worker.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
});

for (const [name, entry] of Object.entries(BINARIES)) {
  await build({
    entryPoints: [entry],
    outfile: `dist/bin/${name}.cjs`,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // Loaded from node_modules at run time: node-gyp-build finds the addon, ssh2 and
    // better-sqlite3 have native parts of their own; the database drivers (--mode mysql,
    // mongo) are imported only by the runs that use them, and mongodb's optional peers
    // (kerberos, snappy, …) cannot be resolved at bundle time.
    external: ['node-gyp-build', 'ssh2', 'better-sqlite3', 'mariadb', 'mongodb'],
    // The modules find the package root (package.json, the addon) from their own URL; in the
    // bundle that is the bundle's, two levels below the root as dist/src/*.js are.
    define: { 'import.meta.url': '__bundleUrl', ...BUILT },
    banner: { js: 'const __bundleUrl = require("node:url").pathToFileURL(__filename).href;' },
    // Fewer bytes to read, decode and deserialize at every start (identifiers stay as they are).
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'warning',
  });
  fs.rmSync(`dist/bin/${name}.answers.json`, { force: true });
  saveCodeCache(name);
  saveStaticAnswers(name);
}
