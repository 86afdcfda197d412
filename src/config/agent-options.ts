// Typed, validated agent options: defaults < oslo.config files (--config-file, --config-dir)
// < --config job file < command line (the caller merges the files into `fromFile`). Errors name the
// option and the bad value. Options recognised but not implemented fail here, loudly.
import os from 'node:os';
import path from 'node:path';
import { notSupportedError, usageError } from '../base/errors.js';
import { OPTIONS, optionByName, supportedChoices, type OptionValues } from './options.js';
import { checkCpusExist, ControlValueError, parseCpuList, parseIoPriority, type IoPriority } from './process-controls.js';
import { LogFormatError, compileDateFormat, compileLineFormat } from '../base/log-format.js';
import { parseFacility } from '../base/log-syslog.js';

export type Action = OptionValues['action'];
export type Dereference = 'none' | 'soft' | 'hard' | 'all';

/** Options the agent settles itself after reading them (defaults that depend on the machine). */
type Settled = 'hostname' | 'threads' | 'exclude' | 'dereference_symlink' | 'no_incremental' | 'max_priority';

/** Every option typed (config/options.ts), plus what the agent derives from them. */
export interface AgentOptions extends Omit<OptionValues, Settled> {
  hostname: string;
  threads: number;
  exclude: string[];
  dereference_symlink: Dereference;
  no_incremental: boolean;
  max_priority: boolean;
  /** --cpu-affinity parsed: CPUs ascending, each one online on this machine. */
  cpu_list?: number[];
  /** --io-priority parsed. */
  io_prio?: IoPriority;
  /** No --container (nor job file key) was given: Freezer's default is used, and said. */
  container_defaulted: boolean;
  /** `[storage:NAME]` sections of the job file: their own storage, container and credentials. */
  storages?: StorageSection[];
}

/** One `[storage:NAME]` section: any option's key, plus the keys only a section has. */
export interface StorageSection extends Partial<OptionValues> {
  name: string;
  storage: OptionValues['storage'];
  /** An OpenStack rc file whose `export OS_…=` lines are this storage's Keystone settings. */
  osrc?: string;
  /** S3 signing region. */
  region?: string;
}

// The option table says which choices are implemented, so --help and these checks agree.
export const IMPLEMENTED_STORAGES = new Set(supportedChoices(optionByName('storage')!));
const IMPLEMENTED_ENGINES = new Set(supportedChoices(optionByName('engine')!));
const IMPLEMENTED_MODES = new Set(['fs', 'mysql', 'mongo']);

function checkNotSupported(explicit: Record<string, unknown>): void {
  for (const spec of OPTIONS) {
    if (spec.supported !== false || !(spec.dest in explicit)) continue;
    const v = explicit[spec.dest];
    if (v === spec.default || v === false || v === '' || v === undefined) continue;
    throw notSupportedError(`not supported yet: --${spec.name}${spec.unsupportedReason ? `: ${spec.unsupportedReason}` : ''}`);
  }
}

function checkRange(name: string, v: number | undefined, min: number, max: number): void {
  if (v === undefined) return;
  if (!(v >= min && v <= max)) throw usageError(`invalid value for --${name}: ${v} is outside ${min}..${max}`);
}

/** exec needs no storage, engine or mode, so it is not held back by the ones missing here. */
function validateBackend(opts: AgentOptions): void {
  const have = [...IMPLEMENTED_STORAGES].join(', ');
  // With [storage:NAME] sections the flat --storage is not used for data (as in Freezer).
  if (!opts.storages?.length && !IMPLEMENTED_STORAGES.has(opts.storage))
    throw notSupportedError(`not supported yet: --storage ${opts.storage} (this build has: ${have})`);
  for (const s of opts.storages ?? []) {
    if (!IMPLEMENTED_STORAGES.has(s.storage))
      throw notSupportedError(`not supported yet: storage = ${s.storage} in [storage:${s.name}] (this build has: ${have})`);
    if (!s.container) throw usageError(`[storage:${s.name}] needs a container`);
  }
  if (!IMPLEMENTED_ENGINES.has(opts.engine_name)) throw notSupportedError(`not supported yet: --engine ${opts.engine_name}`);
  if (!IMPLEMENTED_MODES.has(opts.mode)) throw notSupportedError(`not supported yet: --mode ${opts.mode}`);
}

/** The log formats and facility, compiled once here so that a bad one stops the run before it starts. */
function validateLogging(opts: AgentOptions): void {
  const check = (name: string, compile: () => unknown) => {
    try {
      compile();
    } catch (err) {
      if (err instanceof LogFormatError) throw usageError(`invalid value for --${name}: ${err.message}`);
      throw err;
    }
  };
  if (opts.log_date_format !== undefined) check('log-date-format', () => compileDateFormat(opts.log_date_format!));
  if (opts.log_format !== undefined) check('log-format', () => compileLineFormat(opts.log_format!));
  check('syslog-log-facility', () => parseFacility(opts.syslog_log_facility));
  if (opts.watch_log_file && !opts.log_file) throw usageError('--watch-log-file needs --log-file (the file to watch)');
}

function validate(opts: AgentOptions): void {
  if (opts.action !== 'exec') validateBackend(opts);
  validateLogging(opts);
  checkRange('max-level', opts.max_level, 0, 1_000_000);
  checkRange('always-level', opts.always_level, 0, 1_000_000);
  checkRange('restart-always-level', opts.restart_always_level, 0, 1e6);
  checkRange('max-segment-size', opts.max_segment_size, 65536, 2 ** 31);
  checkRange('threads', opts.threads, 1, 256);
  checkRange('encrypt-iter', opts.encrypt_iter, 1, 100_000_000);
  checkRange('rsync-block-size', opts.rsync_block_size, 256, 1 << 26);
  checkRange('timeout', opts.timeout, 1, 1e7);
  checkRange('upload-queue-size', opts.upload_queue_size, 1, 64);
  checkRange('storage-retries', opts.storage_retries, 0, 100);
  checkRange('lock-wait', opts.lock_wait, 0, 1e6);
  checkRange('mongo-port', opts.mongo_port, 1, 65535);
  checkRange('nice', opts.nice, -20, 19);
  const needsName = opts.action === 'backup' || opts.action === 'restore' || opts.action === 'admin';
  if (needsName && !opts.backup_name) throw usageError(`--action ${opts.action} needs --backup-name`);
  if (opts.backup_name !== undefined && !/^[^/\0]+$/.test(opts.backup_name)) {
    throw usageError(`invalid value for --backup-name: "${opts.backup_name}" (no "/" allowed)`);
  }
  if (!/^[^/\0]+$/.test(opts.hostname)) throw usageError(`invalid value for --hostname: "${opts.hostname}"`);
  if (opts.action === 'backup' && !opts.path_to_backup) throw usageError('--action backup needs --path-to-backup');
  if (opts.action === 'backup' && opts.no_incremental && (opts.max_level || opts.always_level)) {
    throw usageError('--no-incremental cannot be combined with --max-level or --always-level');
  }
  if (opts.action === 'backup' && opts.mode === 'mysql' && !opts.mysql_conf) throw usageError('--mode mysql needs --mysql-conf');
  if (opts.action === 'restore' && !opts.restore_abs_path) throw usageError('--action restore needs --restore-abs-path');
  if (opts.consistency_checksum && !/^[0-9a-fA-F]{64}$/.test(opts.consistency_checksum)) {
    throw usageError(
      `invalid value for --consistency-checksum: "${opts.consistency_checksum}" (64 hex digits: the consistency_checksum of a backup made with --consistency-check)`,
    );
  }
  if (opts.action === 'admin' && opts.remove_from_date === undefined && opts.remove_older_than === undefined) {
    throw usageError('--action admin needs --remove-older-than or --remove-from-date');
  }
  if (opts.action === 'exec' && !opts.command) throw usageError('--action exec needs --command');
}

/** Parses a --cpu-affinity or --io-priority value; a bad one is a usage error naming it. */
function controlValue<T>(name: string, raw: string | undefined, parse: (raw: string) => T): T | undefined {
  if (raw === undefined) return undefined;
  try {
    return parse(raw);
  } catch (err) {
    if (err instanceof ControlValueError) throw usageError(`invalid value for --${name}: ${err.message}`);
    throw err;
  }
}

const cpuAffinity = (raw: string) => {
  const cpus = parseCpuList(raw);
  checkCpusExist(cpus);
  return cpus;
};

export function buildAgentOptions(fromFile: Record<string, unknown>, fromArgv: Record<string, unknown>): AgentOptions {
  const defaults: Record<string, unknown> = {};
  for (const spec of OPTIONS) if (spec.default !== undefined) defaults[spec.dest] = spec.default;
  const explicit = { ...fromFile, ...fromArgv };
  checkNotSupported(explicit);
  // The values were converted and checked against the table as they were read (values.ts).
  const read = { ...defaults, ...explicit } as OptionValues & { storages?: StorageSection[] };
  const deref = read.dereference_symlink ?? 'none';
  const o: AgentOptions = {
    ...read,
    container_defaulted: explicit.container === undefined,
    exclude: read.exclude ?? [],
    no_incremental: Boolean(read.no_incremental),
    max_priority: Boolean(read.max_priority),
    cpu_list: controlValue('cpu-affinity', read.cpu_affinity, cpuAffinity),
    io_prio: controlValue('io-priority', read.io_priority, parseIoPriority),
    hostname: read.hostname || os.hostname(),
    threads: read.threads ?? Math.max(1, os.availableParallelism()),
    dereference_symlink: deref === 'None' ? 'none' : deref,
  };
  if (o.log_file && o.log_dir && !path.isAbsolute(o.log_file)) o.log_file = path.join(o.log_dir, o.log_file);
  validate(o);
  return o;
}
