// oslo.config's files, as freezer-agent reads them: every --config-file in the order given,
// then the *.conf files of --config-dir in sorted order, each later file overriding earlier
// ones. Options are the [DEFAULT] section's keys, by dest name (`path_to_backup`; deprecated
// names too), typed as on the command line. Dashed keys (`log-file`) are taken as well, as in
// job files: oslo.config does not read them (freezer-agent 13 ignores `log-file = …`). Other
// sections are other services' groups and are left alone, as oslo does; an unknown key of
// [DEFAULT] is left too, as oslo does, but said (a notice the agent logs as a warning).
// Precedence (agent.ts): defaults < these files < the --config job file < the command line.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { configError } from '../base/errors.js';
import { parseIni } from './ini.js';
import { optionByDest, optionByName, type OptionSpec } from './options.js';
import { ValueError, convertValue } from './values.js';

export interface OsloConfig {
  values: Record<string, unknown>;
  /** What was read but not used, for the log. */
  notices: string[];
}

/** Options that only the command line can give (oslo reads them to find the files). */
const COMMAND_LINE_ONLY = new Set(['config_file', 'config_dir']);

function specOf(key: string): OptionSpec | undefined {
  return optionByDest(key.replace(/-/g, '_')) ?? optionByName(key) ?? optionByName(key.replace(/_/g, '-'));
}

function read(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw configError(`cannot read ${what} ${file}: ${(err as Error).message}`);
  }
}

function apply(file: string, text: string, into: OsloConfig): void {
  const ini = parseIni(text, file);
  for (const [name, entries] of ini.sections) {
    if (name !== 'DEFAULT' && name.toLowerCase() === 'default') {
      throw configError(
        `${file}: [${name}]: oslo.config files keep options in [DEFAULT], in capitals (a --config job file takes [default])`,
      );
    }
    if (name !== 'DEFAULT') continue;
    for (const [key, raw] of entries) {
      const spec = specOf(key);
      if (!spec) {
        into.notices.push(`${file} [DEFAULT]: "${key}" is no option of permafrost-agent; ignored, as oslo.config does`);
        continue;
      }
      if (COMMAND_LINE_ONLY.has(spec.dest))
        throw configError(`${file} [DEFAULT] ${key}: --${spec.name} can only be given on the command line`);
      try {
        const value = convertValue(spec, raw);
        into.values[spec.dest] = spec.multi ? [...((into.values[spec.dest] as unknown[]) ?? []), value] : value;
      } catch (err) {
        if (err instanceof ValueError) throw configError(`${file} [DEFAULT] ${key}: ${err.message}`);
        throw err;
      }
    }
  }
}

function confFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw configError(`cannot read --config-dir ${dir}: ${(err as Error).message}`);
  }
  // Python's sorted(): by code point, as JavaScript's default sort of strings (UTF-16 units) is for ASCII names.
  return names
    .filter((n) => n.endsWith('.conf'))
    .sort()
    .map((n) => path.join(dir, n));
}

export function loadOsloConfig(files: readonly string[], dir: string | undefined): OsloConfig {
  const config: OsloConfig = { values: {}, notices: [] };
  for (const file of files) apply(file, read(file, '--config-file'), config);
  if (dir !== undefined) for (const file of confFiles(dir)) apply(file, read(file, 'a --config-dir file'), config);
  return config;
}
