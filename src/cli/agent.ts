// permafrost-agent: parse, configure, run one action, exit with a code per error class.
import { ExitCode, PermafrostError, usageError } from '../base/errors.js';
import { buildAgentOptions, AgentOptions } from '../config/agent-options.js';
import type { Storage } from '../storage/storage.js';
import { VERSION } from '../base/version.js';
import path from 'node:path';
import { parseArgv } from './argv.js';
import { helpText } from './help.js';
import { loadConfigFile } from '../config/ini.js';
import { createLogger, Logger } from '../base/log.js';
import { loadOsloConfig } from '../config/oslo-config.js';
import { logSinks } from './log-setup.js';
import { failIfStalled } from './stall.js';
import { runMain } from './run.js';
import { writeErr, writeOut } from './out.js';
import { runInterruptSteps } from '../base/interrupt.js';
import { describeFailure } from './failure.js';
import { exitOnSignals } from './signals.js';
import { backupOutput, backupReport, writeMetadataOut } from './report.js';
import { backupSummary, restoreSummary } from './summary.js';

/** How long an interrupted run may spend releasing its locks before it exits anyway. */
const INTERRUPT_CLEANUP_MS = 3000;

async function dispatch(opts: AgentOptions, log: Logger): Promise<number> {
  if (opts.action === 'exec') {
    // The status, not the command line: that may hold a secret.
    const status = await (await import('../actions/exec.js')).runExec(opts.command!);
    log.info(`exec: the command exited with status ${status}`);
    return status;
  }
  // Loaded here, not at the top, so that --help, --version and usage errors stay fast.
  const { storageSetup } = await import('../config/storage-settings.js');
  const { openStorage } = await import('../storage/open.js');
  const setup = await storageSetup(opts);
  for (const notice of setup.notices) log.warn(notice);
  const storage = await openStorage(
    setup.stores,
    {
      ...setup.compose,
      retry: { ...setup.compose.retry!, onRetry: (m) => log.warn(m) },
      onStale: (m) => log.warn(m),
    },
    log,
  );
  try {
    return await runAction(opts, storage, log);
  } finally {
    await storage.close();
  }
}

async function runAction(opts: AgentOptions, storage: Storage, log: Logger): Promise<number> {
  switch (opts.action) {
    case 'backup': {
      const { runBackup } = await import('../actions/backup.js');
      const result = await runBackup(opts, storage, log);
      const report = backupReport(opts, result);
      if (opts.metadata_out) writeMetadataOut(opts.metadata_out, report);
      writeOut(backupOutput(opts, report, () => backupSummary(result, storage.name)));
      return ExitCode.OK;
    }
    case 'restore': {
      const { runRestore } = await import('../actions/restore.js');
      const result = await runRestore(opts, storage, log);
      if (!opts.quiet) writeOut(`${restoreSummary(result)}\n`);
      return ExitCode.OK;
    }
    case 'info': {
      const { listBackups, formatTable } = await import('../actions/info.js');
      const rows = await listBackups(storage, opts.backup_name ? { chainName: `${opts.hostname}_${opts.backup_name}` } : undefined);
      if (opts.json) writeOut(`${JSON.stringify(rows)}\n`);
      else writeOut(rows.length ? `${formatTable(rows)}\n` : `no backups in ${storage.name}\n`);
      if (opts.metadata_out) writeMetadataOut(opts.metadata_out, rows);
      return ExitCode.OK;
    }
    case 'admin': {
      const { runAdmin } = await import('../actions/admin.js');
      const { removed, orphans } = await runAdmin(opts, storage, log);
      if (!opts.quiet) {
        writeOut(
          `${opts.dry_run ? 'would remove' : 'removed'} ${removed.length} backup(s)${removed.length ? `: ${removed.join(', ')}` : ''}\n`,
        );
        if (orphans.length)
          writeOut(
            `${opts.dry_run ? 'would remove' : 'removed'} ${orphans.length} incomplete backup(s) without metadata: ${orphans.join(', ')}\n`,
          );
      }
      return ExitCode.OK;
    }
  }
  throw usageError(`unknown action ${String(opts.action)}`);
}

async function makeLogDir(logFile: string): Promise<void> {
  const { makeDirs, MakeDirsError } = await import('../base/make-dirs.js');
  try {
    await makeDirs(path.dirname(path.resolve(logFile)));
  } catch (err) {
    throw usageError(
      err instanceof MakeDirsError ? err.describeFor('--log-file', logFile) : `--log-file ${logFile}: ${(err as Error).message}`,
    );
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  let quiet = false;
  let log: Logger | undefined;
  const settled = failIfStalled('permafrost-agent');
  try {
    const parsed = parseArgv(argv);
    if (parsed.help) {
      writeOut(`${helpText()}\n`);
      return ExitCode.OK;
    }
    if (parsed.version) {
      writeOut(`${VERSION}\n`);
      return ExitCode.OK;
    }
    quiet = parsed.values.quiet === true;
    // defaults < oslo.config files < the --config job file (which they may name) < the command line.
    const oslo = loadOsloConfig((parsed.values.config_file as string[] | undefined) ?? [], parsed.values.config_dir as string | undefined);
    const configFile = (parsed.values.config ?? oslo.values.config) as string | undefined;
    const fromFile = { ...oslo.values, ...(configFile ? loadConfigFile(configFile) : {}) };
    const o = buildAgentOptions(fromFile, parsed.values);
    quiet = o.quiet;
    if (o.log_file) await makeLogDir(o.log_file);
    log = createLogger({ sinks: await logSinks(o), debug: o.debug || o.verbose, quiet: o.quiet });
    log.info(`action ${o.action} (permafrost ${VERSION})`);
    for (const notice of oslo.notices) log.warn(notice);
    // The addon is loaded only now, past --help and usage errors, which stay fast without it.
    // First of all, before the pool has work: threads started later inherit the controls.
    await (await import('./thread-controls.js')).applyThreadControls(o, log);
    (await import('./memory.js')).boundMemory();
    // Interrupted: let go of what others would wait for (a chain's lock) before exiting 130.
    exitOnSignals('permafrost-agent', () => runInterruptSteps(INTERRUPT_CLEANUP_MS));
    return await dispatch(o, log);
  } catch (err) {
    const { code, message } = describeFailure(err);
    log?.error(message);
    if (!quiet) writeErr(`permafrost-agent: error: ${message}\n`);
    return code;
  } finally {
    settled();
  }
}

export { PermafrostError };

/** The entry of bin/ (through the bundle built by scripts/bundle.mjs). */
export const run = (): void => runMain(main);
