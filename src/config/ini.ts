// Freezer INI job files. Unlike Freezer, values are typed with the same rules as the command
// line, dashed keys are accepted, unknown keys are errors, and the command line wins.
import { readFileSync } from 'node:fs';
import { configError } from '../base/errors.js';
import { longNames, optionByDest, optionByName } from './options.js';
import { didYouMean } from '../base/suggest.js';
import { ValueError, convertValue } from './values.js';

export interface IniFile {
  sections: Map<string, Map<string, string>>;
}

export function parseIni(text: string, file: string): IniFile {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  let lastKey: string | undefined;
  text.split(/\r?\n/).forEach((line, idx) => {
    const where = `${file}:${idx + 1}`;
    if (/^\s*([#;].*)?$/.test(line)) return;
    const section = /^\s*\[([^\]]+)\]\s*$/.exec(line);
    if (section) {
      const name = section[1].trim();
      current = sections.get(name) ?? new Map();
      sections.set(name, current);
      lastKey = undefined;
      return;
    }
    if (/^\s/.test(line) && current && lastKey) {
      current.set(lastKey, `${current.get(lastKey)}\n${line.trim()}`);
      return;
    }
    const kv = /^\s*([^=:\s][^=:]*?)\s*[=:]\s*(.*?)\s*$/.exec(line);
    if (!kv) throw configError(`${where}: cannot parse line "${line.trim()}" (expected key = value)`);
    if (!current) throw configError(`${where}: "${kv[1]}" appears before any [section]`);
    lastKey = kv[1].toLowerCase();
    current.set(lastKey, kv[2]);
  });
  return { sections };
}

/** Keys only a `[storage:NAME]` section has: Freezer's openrc file for that storage's Keystone. */
const STORAGE_ONLY_KEYS = new Set(['osrc', 'region']);

/**
 * Nearest keys this file would accept: dests in the file's own spelling (underscores unless it
 * used dashes), and option names and aliases as they are.
 */
function keyHint(key: string, storageSection: boolean): string {
  const dashed = key.includes('-') && !key.includes('_');
  const dests = longNames()
    .map((n) => optionByName(n)!.dest)
    .map((d) => (dashed ? d.replace(/_/g, '-') : d));
  const known = [...dests, ...longNames(), ...(storageSection ? STORAGE_ONLY_KEYS : [])];
  return didYouMean(key, known);
}

function typedEntries(
  file: string,
  name: string,
  entries: Map<string, string>,
  into: Record<string, unknown>,
  storageSection: boolean,
): void {
  for (const [key, raw] of entries) {
    if (STORAGE_ONLY_KEYS.has(key)) {
      if (!storageSection) throw configError(`${file} [${name}]: "${key}" belongs in a [storage:NAME] section`);
      into[key] = raw;
      continue;
    }
    const spec = optionByDest(key.replace(/-/g, '_')) ?? optionByName(key);
    if (!spec) throw configError(`${file} [${name}]: unknown option "${key}"${keyHint(key, storageSection)}`);
    if (spec.dest === 'config') throw configError(`${file} [${name}]: a job file cannot name another job file`);
    try {
      const value = convertValue(spec, raw);
      into[spec.dest] = spec.multi ? [...((into[spec.dest] as unknown[]) ?? []), value] : value;
    } catch (err) {
      if (err instanceof ValueError) throw configError(`${file} [${name}] ${key}: ${err.message}`);
      throw err;
    }
  }
}

/**
 * Typed values of a job file's sections, merged in file order (as Freezer). Each
 * `[storage:NAME]` section becomes one entry of `storages` (multiple-storage mode), with the
 * section's name as `name`.
 */
export function loadConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw configError(`cannot read --config file ${file}: ${(err as Error).message}`);
  }
  const ini = parseIni(text, file);
  const values: Record<string, unknown> = {};
  const storages: Record<string, unknown>[] = [];
  for (const [name, entries] of ini.sections) {
    if (name.startsWith('storage:')) {
      const section: Record<string, unknown> = { name: name.slice('storage:'.length) };
      typedEntries(file, name, entries, section, true);
      if (!section.storage) throw configError(`${file} [${name}]: a storage section needs "storage"`);
      storages.push(section);
    } else {
      typedEntries(file, name, entries, values, false);
    }
  }
  if (storages.length) values.storages = storages;
  return values;
}
