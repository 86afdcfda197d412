// The jobs directory (docs/SCHEDULER.md §8): one JSON job document per `*.conf` or `*.json` file
// (freezer-scheduler reads `.conf`, any case), or a single file. It is read again whenever
// it changes (fs.watch) and on every poll interval, since watches miss changes on some file
// systems; freezer-scheduler 13 reads it once at start. A file that is not JSON is reported
// by name and skipped; the other files' jobs run.
import fs from 'node:fs';
import path from 'node:path';

export interface JobFile {
  file: string;
  /** job_id, or the file's name (without extension) when the document has none: stable across restarts. */
  jobId: string;
  /** The document's JSON text, normalised (parsed and serialised again), with job_id set. */
  document: string;
}

export interface JobsDirScan {
  jobs: JobFile[];
  /** Files that could not be read or parsed, each with why. */
  problems: { file: string; reason: string }[];
}

const JOB_FILE = /\.(conf|json)$/i;

export function scanJobsDir(where: string): JobsDirScan {
  const scan: JobsDirScan = { jobs: [], problems: [] };
  let files: string[];
  try {
    files = fs.statSync(where).isDirectory()
      ? fs
          .readdirSync(where)
          .filter((f) => JOB_FILE.test(f))
          .sort()
          .map((f) => path.join(where, f))
      : [where];
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return scan;
    throw err;
  }
  const seen = new Map<string, string>();
  for (const file of files) {
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ENOENT' || e.code === 'EISDIR') continue; // removed while we read, or a directory named *.conf
      scan.problems.push({ file, reason: e instanceof SyntaxError ? `not JSON: ${e.message}` : e.message });
      continue;
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      scan.problems.push({ file, reason: 'is not a JSON object (a job document)' });
      continue;
    }
    const doc = raw as Record<string, unknown>;
    const jobId = typeof doc.job_id === 'string' && doc.job_id ? doc.job_id : idFromName(file);
    const other = seen.get(jobId);
    if (other) {
      scan.problems.push({ file, reason: `job_id "${jobId}" is also the job of ${other}` });
      continue;
    }
    seen.set(jobId, file);
    scan.jobs.push({ file, jobId, document: JSON.stringify({ ...doc, job_id: jobId }) });
  }
  return scan;
}

/** `job_1234.conf` → `job_1234`; characters a job_id may not hold become '-'. */
function idFromName(file: string): string {
  return (
    path
      .basename(file)
      .replace(JOB_FILE, '')
      .replace(/[^\w-]/g, '-') || 'job'
  );
}

/**
 * Calls `onChange` (debounced) when anything in the directory changes. A watch that fails
 * (the directory is gone, inotify limits) is only a loss of promptness: the poll still reads it.
 */
export function watchJobsDir(where: string, onChange: () => void, debounceMs = 200): () => void {
  let timer: NodeJS.Timeout | undefined;
  let watcher: fs.FSWatcher | undefined;
  try {
    watcher = fs.watch(where, { persistent: false }, () => {
      clearTimeout(timer);
      timer = setTimeout(onChange, debounceMs);
    });
    watcher.on('error', () => watcher?.close());
  } catch {
    watcher = undefined;
  }
  return () => {
    clearTimeout(timer);
    watcher?.close();
  };
}
