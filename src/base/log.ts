// Log records go to each sink the options asked for (log-setup.ts in cli/ builds them: the
// --log-file, syslog, journald) at INFO and above (DEBUG with --debug) and, for warnings, to
// stderr unless --quiet (errors are printed there by the agent itself). Secrets are never
// passed here: options are logged by name, not argv.
import type { Level, LogRecord } from './log-format.js';

export type { Level, LogRecord } from './log-format.js';

const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

/** Where records go besides stderr: one call per record at or above the logger's level. */
export type LogSink = (record: LogRecord) => void;

function stderrLine(level: Level, msg: string): void {
  // On a TTY a progress line may be drawn there: the message replaces it (it is redrawn below).
  const clear = process.stderr.isTTY ? '\r\x1b[K' : '';
  process.stderr.write(`${clear}permafrost-agent: ${level}: ${msg}\n`);
}

/** A warning on stderr outside any logger (a sink that cannot deliver). */
export const warnOnStderr = (msg: string): void => stderrLine('warn', msg);

export function createLogger(opts: { sinks: readonly LogSink[]; debug: boolean; quiet: boolean }): Logger {
  const sinkLevel = opts.debug ? ORDER.debug : ORDER.info;
  const stderrLevel = opts.debug ? ORDER.debug : ORDER.warn;
  const write = (level: Level, message: string) => {
    if (ORDER[level] >= sinkLevel) {
      const record = { level, message, time: new Date() };
      for (const sink of opts.sinks) sink(record);
    }
    if (!opts.quiet && ORDER[level] >= stderrLevel && level !== 'error') stderrLine(level, message);
  };
  return {
    debug: (m) => write('debug', m),
    info: (m) => write('info', m),
    warn: (m) => write('warn', m),
    error: (m) => write('error', m),
  };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
