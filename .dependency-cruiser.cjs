// The layer rules of src/ (docs/ARCHITECTURE.md, "Layers"), checked by `npm run lint`.
// Imports point one way:
//
//   cli → actions → engines → pipeline → codecs | crypto | storage → native
//
// with config (the option table, typed options) and catalog (the backups a storage holds)
// beside them, and base/ (errors, logger, units) and bytes/ (buffers and their plumbing) on
// the ground floor, which every layer may use and which use nothing above them.
// Type-only imports count: a cycle or an upward import through types is still one.
const layer = (name) => `^src/${name}/`;
const anyOf = (...names) => names.map(layer);

/** `from` may not import any of `to`; `why` is what the message says. */
const forbid = (name, from, to, why) => ({
  name,
  severity: 'error',
  comment: why,
  from: { path: from },
  to: { path: to },
});

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'A cycle (even through types only) makes two modules one unit that cannot be understood, tested or moved apart.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    forbid(
      'ground-floor',
      anyOf('base', 'bytes'),
      ['^src/(?!base/|bytes/)'],
      'base/ and bytes/ are the ground floor: every layer uses them, so they use nothing above them.',
    ),
    forbid('native-loader-alone', '^src/native\\.ts$', ['^src/'], 'src/native.ts only loads the addon and types it.'),
    forbid(
      'rsync-library-alone',
      layer('rsync'),
      ['^src/(?!rsync/|native\\.ts$)'],
      'src/rsync/ is the npm diff library (permafrost/rsync): it may use only itself and the addon loader, so importing it loads nothing of the agent.',
    ),
    forbid(
      'rsync-engine-through-the-library',
      '^src/engines/rsync/',
      ['^src/native\\.ts$'],
      "The rsync engine makes signatures, deltas and patches with the diff library (src/rsync/), never with the addon's jobs directly: one implementation, tested against rdiff, serves both.",
    ),
    forbid(
      'tar-engine-knows-no-deltas',
      '^src/engines/tar/',
      ['^src/engines/rsync/'],
      "The tar engine knows nothing of deltas: the rsync engine is built on it and plugs its 'E' members in through hooks (file-hook.ts, member-hook.ts).",
    ),
    forbid(
      'storage-knows-bytes-and-paths',
      layer('storage'),
      anyOf('cli', 'config', 'actions', 'catalog', 'engines', 'pipeline', 'codecs', 'crypto', 'scheduler', 'snapshot'),
      'Storage knows bytes and paths, never options, archive formats, codecs or the CLI: it takes typed settings that config/ builds.',
    ),
    forbid(
      'codecs-are-pure-transforms',
      layer('codecs'),
      anyOf('cli', 'config', 'actions', 'catalog', 'engines', 'pipeline', 'storage', 'crypto', 'scheduler', 'snapshot'),
      'A codec is a pure transform of bytes: it never reaches storage, the pipeline or the options.',
    ),
    forbid(
      'crypto-is-a-pure-transform',
      layer('crypto'),
      anyOf('cli', 'config', 'actions', 'catalog', 'engines', 'pipeline', 'storage', 'codecs', 'scheduler', 'snapshot'),
      'The cipher and key derivation transform bytes: they never reach storage, the pipeline or the options.',
    ),
    forbid(
      'pipeline-below-engines',
      layer('pipeline'),
      anyOf('cli', 'config', 'actions', 'catalog', 'engines', 'scheduler', 'snapshot'),
      "The pipeline stages move an engine's bytes to storage: they know neither engines, actions, options nor the CLI.",
    ),
    forbid(
      'engines-below-actions',
      layer('engines'),
      anyOf('cli', 'config', 'actions', 'catalog', 'storage', 'scheduler', 'snapshot'),
      'Engines turn a tree into an archive and back; they take typed options, never argv, and never touch storage or the catalog.',
    ),
    forbid(
      'catalog-below-actions',
      layer('catalog'),
      anyOf('cli', 'config', 'actions', 'engines', 'pipeline', 'scheduler', 'snapshot'),
      'The catalog names and lists what a storage holds; actions use it, it uses no action.',
    ),
    forbid(
      'config-beside-the-floors',
      layer('config'),
      anyOf('cli', 'actions', 'catalog', 'engines', 'pipeline', 'scheduler', 'snapshot'),
      'config/ turns argv and job files into typed options and storage settings; it runs nothing.',
    ),
    forbid(
      'actions-below-cli',
      layer('actions'),
      anyOf('cli', 'scheduler'),
      'An action is called by a front end (the CLI, the library); it never reaches back into one.',
    ),
    forbid(
      'scheduler-runs-the-agent-as-a-child',
      layer('scheduler'),
      anyOf('actions', 'engines', 'pipeline', 'snapshot'),
      'The scheduler runs permafrost-agent as a child process, never in-process: a crashed backup cannot take the daemon down.',
    ),
    forbid(
      'snapshot-beside-the-engines',
      layer('snapshot'),
      anyOf('cli', 'actions', 'engines', 'pipeline', 'storage', 'codecs', 'crypto', 'catalog', 'scheduler'),
      'A snapshot provider makes and removes a point-in-time copy of the source (btrfs, LVM, a database hot copy); the backup action takes one and hands its path to an engine, so it knows no engine, stage, storage or front end.',
    ),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    combinedDependencies: false,
  },
};
