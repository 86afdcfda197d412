// GNU tar's default `--exclude` semantics (--no-anchored --wildcards --wildcards-match-slash):
// fnmatch(3) without FNM_PATHNAME/FNM_PERIOD, tried against the whole name and against every
// suffix that starts after a '/'. Patterns are compiled to RegExps here; nothing reaches a shell.

export type ExcludeMatcher = (relPath: string, isDir: boolean) => boolean;

// With the 'u' flag only syntax characters may be escaped outside a class; '-' only inside.
const REGEX_SPECIAL = /[\\^$.*+?()[\]{}|/]/;
const CLASS_SPECIAL = /[\\\][^-]/;

const POSIX_CLASSES: Record<string, string> = {
  alpha: 'a-zA-Z',
  digit: '0-9',
  alnum: 'a-zA-Z0-9',
  upper: 'A-Z',
  lower: 'a-z',
  space: ' \\t\\n\\r\\f\\v',
  blank: ' \\t',
  punct: '!-\\/:-@\\[-`{-~',
  xdigit: '0-9a-fA-F',
  cntrl: '\\x00-\\x1f\\x7f',
  print: '\\x20-\\x7e',
  graph: '\\x21-\\x7e',
};

function escapeChar(c: string): string {
  return REGEX_SPECIAL.test(c) ? `\\${c}` : c;
}

function escapeClassChar(c: string): string {
  return CLASS_SPECIAL.test(c) ? `\\${c}` : c;
}

/**
 * Matcher for tar member names as GNU tar sees them (`./dir/file`, no trailing slash); plain
 * relative paths (`dir/file`) work as well because suffixes after each '/' are tried.
 */
/** The matcher of no patterns; scans can skip building the names they would test. */
export const NO_EXCLUDES: ExcludeMatcher = () => false;

export function compileExcludes(patterns: readonly string[]): ExcludeMatcher {
  const regexes = patterns.filter((p) => p.length > 0).map(globToRegExp);
  if (regexes.length === 0) return NO_EXCLUDES;
  return (relPath: string) => candidates(relPath).some((c) => regexes.some((r) => r.test(c)));
}

/** The whole name and each suffix after a '/' (not after "//", as gnulib's exclude_fnmatch). */
function candidates(name: string): string[] {
  const out = [name];
  for (let i = name.indexOf('/'); i !== -1; i = name.indexOf('/', i + 1)) {
    if (i + 1 < name.length && name[i + 1] !== '/') out.push(name.slice(i + 1));
  }
  return out;
}

export function globToRegExp(pattern: string): RegExp {
  const chars = Array.from(pattern);
  let re = '';
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i];
    if (c === '*') re += '[^]*';
    else if (c === '?') re += '[^]';
    else if (c === '\\' && i + 1 < chars.length) re += escapeChar(chars[++i]);
    else if (c === '[') {
      const bracket = parseBracket(chars, i);
      if (bracket) {
        re += bracket.regex;
        i = bracket.end;
      } else re += '\\[';
    } else re += escapeChar(c);
  }
  return new RegExp(`^${re}$`, 'u');
}

/** Parses `[...]` starting at `start`; null when unterminated (then '[' is literal, as fnmatch). */
function parseBracket(chars: string[], start: number): { regex: string; end: number } | null {
  let i = start + 1;
  let negate = false;
  if (chars[i] === '!' || chars[i] === '^') {
    negate = true;
    i++;
  }
  let body = '';
  let first = true;
  for (; i < chars.length; i++) {
    const c = chars[i];
    if (c === ']' && !first) return { regex: `[${negate ? '^' : ''}${body}]`, end: i };
    first = false;
    const cls = c === '[' && chars[i + 1] === ':' ? readClass(chars, i) : null;
    if (cls) {
      body += cls.regex;
      i = cls.end;
      continue;
    }
    const lit = c === '\\' && i + 1 < chars.length ? chars[++i] : c;
    if (chars[i + 1] === '-' && chars[i + 2] !== undefined && chars[i + 2] !== ']') {
      const hiRaw = chars[i + 2];
      const hi = hiRaw === '\\' && chars[i + 3] !== undefined ? chars[i + 3] : hiRaw;
      body += `${escapeClassChar(lit)}-${escapeClassChar(hi)}`;
      i += hiRaw === '\\' ? 3 : 2;
    } else body += escapeClassChar(lit);
  }
  return null;
}

function readClass(chars: string[], start: number): { regex: string; end: number } | null {
  const close = chars.indexOf(':', start + 2);
  if (close === -1 || chars[close + 1] !== ']') return null;
  const name = chars.slice(start + 2, close).join('');
  const regex = POSIX_CLASSES[name];
  return regex === undefined ? null : { regex, end: close + 1 };
}
