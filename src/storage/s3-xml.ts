// The little XML S3 speaks: its answers are flat enough that a tag reader does, and the few
// bodies we send are built as strings with their text escaped.
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function xmlDecode(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|amp|lt|gt|quot|apos);/g, (_, e: string) =>
    e[0] === '#' ? String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)) : ENTITIES[e],
  );
}

export const xmlEscape = (s: string) => s.replace(/[&<>"']/g, (c) => `&${Object.keys(ENTITIES).find((k) => ENTITIES[k] === c)};`);

/** Raw inner text of every `<tag>…</tag>` (or `<tag/>`) in `xml`, in order; no nesting of the same tag. */
export function xmlAll(xml: string, tag: string): string[] {
  const re = new RegExp(`<${tag}(?:\\s[^>]*)?(?:/>|>([\\s\\S]*?)</${tag}>)`, 'g');
  return [...xml.matchAll(re)].map((m) => m[1] ?? '');
}

/** Decoded text of the first `<tag>` in `xml`, or undefined. */
export const xmlText = (xml: string, tag: string): string | undefined => {
  const all = xmlAll(xml, tag);
  return all.length ? xmlDecode(all[0]) : undefined;
};
