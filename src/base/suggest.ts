// "Did you mean …?" for a mistyped option name, INI key or choice value: the nearest known
// words by edit distance, offered only when they are close enough to be the likely intent.

/**
 * Damerau–Levenshtein distance in its optimal-string-alignment form: insertions, deletions,
 * substitutions and swaps of two adjacent characters (`lcoal` → `local`) each cost 1.
 */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    rows.push([i]);
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        rows[0].push(j);
        continue;
      }
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, rows[i - 2][j - 2] + 1);
      rows[i].push(d);
    }
  }
  return rows[a.length][b.length];
}

/**
 * A third of the typed length, at least 1 and at most 3: two edits in a short word such as
 * `--dbg` would make nearly any short name a match, while a long name earns more slack.
 */
function tolerance(typed: string): number {
  return Math.min(3, Math.max(1, Math.floor(typed.length / 3)));
}

/** The known words nearest to `typed` within tolerance (ties all kept, at most three). */
export function nearest(typed: string, known: Iterable<string>): string[] {
  let best = tolerance(typed);
  let found: string[] = [];
  for (const word of new Set(known)) {
    const d = editDistance(typed, word);
    if (d > best) continue;
    if (d < best || !found.length) {
      best = d;
      found = [word];
    } else found.push(word);
  }
  return found.slice(0, 3);
}

/** ` (did you mean a or b?)`, or '' when nothing is close to `typed`. */
export function didYouMean(typed: string, known: Iterable<string>, show: (word: string) => string = (w) => w): string {
  const words = nearest(typed, known).map(show);
  return words.length ? ` (did you mean ${words.join(' or ')}?)` : '';
}
