// Starts a binary from its bundle (dist/bin/<name>.cjs, scripts/bundle.mjs) with the V8 code
// cache made beside it at build time (<name>.cjs.cache): compiling the agent's bundle took
// about 13 ms of every run, `--help` included. V8 checks the cache against the source and
// its own version and flags; a cache that does not fit is ignored and the bundle compiled as
// usual, so a stale or foreign cache costs nothing but the time it was meant to save.
//
// Static answers (<name>.answers.json): what `--help`, `-h` and `--version` print into a pipe
// or a file, captured from the binary itself at build time, are printed without loading the
// bundle at all. On a terminal (--help fits its width) the bundle answers as always.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { Script } = require('node:vm');
const Module = require('node:module');

/** Loads the bundle of `name`; returns its exports and the compiled script (for the cache). */
function load(name) {
  const file = path.join(__dirname, '..', 'dist', 'bin', `${name}.cjs`);
  let cachedData;
  try {
    cachedData = fs.readFileSync(`${file}.cache`);
  } catch {
    // No cache (a build without one): compile from source.
  }
  const script = new Script(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData });
  const module = { exports: {}, filename: file, id: file };
  script.runInThisContext().call(module.exports, module.exports, Module.createRequire(file), module, file, path.dirname(file));
  return { exports: module.exports, script };
}

/**
 * Whether fd 1 may be a terminal, without node:tty (loading it costs about as much as the
 * answer saves). Linux's terminals are character devices of majors 4 (consoles, serial
 * lines), 5 (/dev/tty, /dev/console) and 136-143 (pseudo-terminals); /dev/null (1:3) and the
 * like are not. Taking an unknown terminal for none only prints --help 80 columns wide.
 */
function mayBeTerminal() {
  const st = fs.fstatSync(1);
  if (!st.isCharacterDevice()) return false;
  const major = (st.rdev >> 8) & 0xfff;
  return major === 4 || major === 5 || (major >= 136 && major <= 143);
}

/** The build-time answer to this command line, when there is one and stdout is no terminal. */
function staticAnswer(name) {
  const argv = process.argv.slice(2);
  if (argv.length !== 1) return undefined;
  try {
    if (mayBeTerminal()) return undefined;
    const answers = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'dist', 'bin', `${name}.answers.json`), 'utf8'));
    return Object.hasOwn(answers, argv[0]) ? answers[argv[0]] : undefined;
  } catch {
    return undefined; // no answers built: the bundle answers
  }
}

function run(name) {
  const answer = staticAnswer(name);
  if (answer === undefined) return load(name).exports.run();
  const data = Buffer.from(answer);
  for (let at = 0; at < data.length;) {
    try {
      at += fs.writeSync(1, data, at);
    } catch (err) {
      if (err.code !== 'EAGAIN') throw err; // a non-blocking pipe that is full: wait for it
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
    }
  }
}

module.exports = { load, run };
