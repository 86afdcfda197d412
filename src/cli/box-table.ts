// The boxed table of python-prettytable that Freezer's tools print (`freezer job-list`,
// `freezer-scheduler job-list` in Freezer's README): header and cells centred, `+---+` rules.
// Scripts that parse Freezer's tables read ours the same way.
export function boxTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const rule = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const line = (cells: readonly string[]) => `|${widths.map((w, i) => ` ${centre(cells[i] ?? '', w)} `).join('|')}|`;
  return [rule, line(headers), rule, ...rows.map(line), ...(rows.length ? [rule] : [])].join('\n');
}

/** prettytable's centring: the odd space goes to the right. */
function centre(text: string, width: number): string {
  const pad = width - text.length;
  const left = Math.floor(pad / 2);
  return `${' '.repeat(left)}${text}${' '.repeat(pad - left)}`;
}
