// A deliberately independent, minimal GNU tar writer for hostile test archives (so the tests
// of our reader do not rely on our own writer).
export interface RawEntry {
  name: string;
  type: '0' | '1' | '2' | '5';
  data?: Buffer;
  linkname?: string;
  mode?: number;
}

function field(h: Buffer, off: number, len: number, value: string): void {
  h.write(value, off, len, 'utf8');
}

function octal(h: Buffer, off: number, len: number, n: number): void {
  field(h, off, len, `${n.toString(8).padStart(len - 1, '0')}\0`);
}

export function rawHeader(e: RawEntry): Buffer {
  const h = Buffer.alloc(512);
  field(h, 0, 100, e.name);
  octal(h, 100, 8, e.mode ?? 0o644);
  octal(h, 108, 8, 0);
  octal(h, 116, 8, 0);
  octal(h, 124, 12, e.data?.length ?? 0);
  octal(h, 136, 12, 1_700_000_000);
  h.fill(0x20, 148, 156);
  h.write(e.type, 156);
  field(h, 157, 100, e.linkname ?? '');
  h.write('ustar  \0', 257, 'latin1');
  let sum = 0;
  for (const b of h) sum += b;
  field(h, 148, 8, `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}

export function rawTar(entries: RawEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    parts.push(rawHeader(e));
    if (e.data?.length) parts.push(e.data, Buffer.alloc((512 - (e.data.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}
