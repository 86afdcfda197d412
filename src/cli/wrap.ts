// Filling text into a column width, for --help. Words are never split unless one alone is
// wider than the column, so that no line ever exceeds the width it was given.

/** `words` joined by spaces into lines of at most `width` columns; a word may hold spaces. */
function fillWords(words: readonly string[], width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (let word of words) {
    while (word.length > width) {
      if (line) {
        lines.push(line);
        line = '';
      }
      lines.push(word.slice(0, width));
      word = word.slice(width);
    }
    if (!word) continue;
    if (!line) line = word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/** `text`'s words filled into lines of at most `width` columns. */
export function fill(text: string, width: number): string[] {
  return fillWords(text.split(/\s+/).filter(Boolean), width);
}

/** `text` filled to `width`, every line starting with `prefix` (spaces, or `  # ` for a comment). */
export function prefixed(prefix: string, text: string | readonly string[], width: number): string[] {
  const words = typeof text === 'string' ? text.split(/\s+/).filter(Boolean) : text;
  return fillWords(words, width - prefix.length).map((l) => prefix + l);
}

/**
 * A shell command broken into lines of at most `width` columns with `\` continuations, so it
 * can still be pasted as it is shown. An option stays on one line with its value.
 */
export function shellLines(command: string, indent: number, width: number): string[] {
  const chunks: string[] = [];
  for (const word of command.split(' ')) {
    if (chunks.length && !word.startsWith('-') && chunks[chunks.length - 1].startsWith('-')) chunks[chunks.length - 1] += ` ${word}`;
    else chunks.push(word);
  }
  const first = ' '.repeat(indent);
  const lines: string[] = [];
  let line = '';
  for (const chunk of chunks) {
    if (line && line.length + 1 + chunk.length + 2 > width) {
      lines.push(`${line} \\`);
      line = `${first}    ${chunk}`;
    } else line = line ? `${line} ${chunk}` : first + chunk;
  }
  lines.push(line);
  return lines;
}
