// Log lines go to --log-file (appended, timestamped) and, for warnings and errors, to stderr
// unless --quiet. Secrets are never passed here: options are logged by name, not argv.
import { appendFileSync } from 'node:fs';

export type Level = 'debug' | 'info' | 'warn' | 'error';
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
}

/** `opts.logFile`'s directory must exist (the agent makes it first, with makeDirs). */
export function createLogger(opts: { logFile?: string; debug: boolean; quiet: boolean }): Logger {
  const fileLevel = opts.debug ? ORDER.debug : ORDER.info;
  const stderrLevel = opts.debug ? ORDER.debug : ORDER.warn;
  const write = (level: Level, msg: string) => {
    if (opts.logFile && ORDER[level] >= fileLevel) {
      appendFileSync(opts.logFile, `${new Date().toISOString()} ${process.pid} ${level.toUpperCase()} permafrost-agent ${msg}\n`);
    }
    if (!opts.quiet && ORDER[level] >= stderrLevel && level !== 'error') {
      // On a TTY a progress line may be drawn there: the message replaces it (it is redrawn below).
      const clear = process.stderr.isTTY ? '\r\x1b[K' : '';
      process.stderr.write(`${clear}permafrost-agent: ${level}: ${msg}\n`);
    }
  };
  return {
    debug: (m) => write('debug', m),
    info: (m) => write('info', m),
    warn: (m) => write('warn', m),
    error: (m) => write('error', m),
  };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
