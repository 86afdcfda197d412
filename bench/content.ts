// File contents for the synthetic tree. Four kinds, chosen to give each codec the kind of
// input it meets on a real server, so ratios and speeds are not flattered by trivial data:
//   source     – C/Python-like text: repeated keywords and boilerplate, varied identifiers (~4-6x)
//   log        – timestamped log lines, highly repetitive (~8-15x)
//   structured – binary with zero runs, low-entropy records and near-repeats (~2-3x), like DBs/executables
//   random     – incompressible (already-compressed archives, media, key material)
import { writeSync } from 'node:fs';
import { Prng } from './prng.js';

export type ContentKind = 'source' | 'log' | 'structured' | 'random';

const CHUNK = 1 << 20;

const KEYWORDS = [
  'if',
  'for',
  'while',
  'return',
  'static',
  'const',
  'int',
  'char',
  'void',
  'struct',
  'unsigned',
  'size_t',
  'else',
  'switch',
  'case',
  'break',
  'NULL',
  'sizeof',
  'def',
  'self',
  'import',
  'None',
  'True',
  'False',
];
const WORDS = [
  'the',
  'buffer',
  'is',
  'freed',
  'when',
  'caller',
  'returns',
  'lock',
  'must',
  'be',
  'held',
  'by',
  'this',
  'function',
  'handles',
  'error',
  'path',
  'for',
  'device',
  'state',
  'see',
  'above',
  'note',
  'that',
  'we',
  'do',
  'not',
  'retry',
  'here',
  'because',
  'kernel',
  'already',
  'did',
  'update',
  'length',
  'field',
];
const OPS = ['==', '!=', '<', '>', '<=', '>=', '&&', '||', '+', '-', '*', '&'];
const SERVICES = ['sshd', 'cron', 'systemd', 'kernel', 'nginx', 'postgres', 'dockerd', 'rsyslogd', 'CRON', 'sudo'];
const LICENSE = `/*
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * This program is free software; you can redistribute it and/or modify it under the terms
 * of the GNU General Public License as published by the Free Software Foundation; either
 * version 2 of the License, or (at your option) any later version.
 */
`;

/** Identifier pool shared by all files (a real tree reuses names across files too). */
function identifierPool(seed: number, n: number): string[] {
  const prng = new Prng(seed ^ 0x1d);
  const syll = [
    'ba',
    'con',
    'dev',
    'fo',
    'get',
    'hash',
    'init',
    'ka',
    'lo',
    'mem',
    'net',
    'op',
    'put',
    'queue',
    're',
    'set',
    'tx',
    'urb',
    'val',
    'wr',
    'xa',
    'buf',
    'ctx',
    'len',
    'ptr',
    'irq',
    'sk',
    'fd',
    'io',
    'map',
  ];
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const parts = prng.range(1, 3);
    let id = '';
    for (let p = 0; p < parts; p++) id += (p > 0 && prng.chance(0.5) ? '_' : '') + prng.pick(syll);
    out.push(id);
  }
  return out;
}

export class ContentWriter {
  readonly identifiers: string[];
  /** Log timestamps advance across all log files so each file has its own time range. */
  private logClock = Date.UTC(2024, 0, 1);

  constructor(seed: number) {
    this.identifiers = identifierPool(seed, 3000);
  }

  /** Writes exactly `size` bytes of `kind` content to fd, in ≤1 MiB chunks to bound memory. */
  write(fd: number, kind: ContentKind, size: number, prng: Prng): void {
    let left = size;
    let first = true;
    let previous: Buffer | null = null;
    // A source file uses a few dozen names over and over; drawing every name from the whole
    // pool would make the text far less compressible than real code.
    const localNames = Array.from({ length: 24 }, () => prng.pick(this.identifiers));
    while (left > 0) {
      const n = Math.min(CHUNK, left);
      const chunk = this.chunk(kind, n, prng, first, previous, localNames);
      writeSync(fd, chunk, 0, n);
      previous = chunk;
      first = false;
      left -= n;
    }
  }

  private chunk(kind: ContentKind, n: number, prng: Prng, first: boolean, previous: Buffer | null, localNames: readonly string[]): Buffer {
    switch (kind) {
      case 'random': {
        const b = Buffer.alloc(n);
        prng.fill(b);
        return b;
      }
      case 'structured':
        return structuredChunk(n, prng, previous);
      case 'source':
        return textChunk(n, () => this.sourceLines(prng, localNames, first && prng.chance(0.5)));
      case 'log':
        return textChunk(n, () => this.logLines(prng));
    }
  }

  private sourceLines(prng: Prng, localNames: readonly string[], withLicense: boolean): string {
    const id = () => (prng.chance(0.85) ? prng.pick(localNames) : prng.pick(this.identifiers));
    const lines: string[] = withLicense ? [LICENSE] : [];
    let depth = 0;
    for (let i = 0; i < 64; i++) {
      const indent = '    '.repeat(depth);
      const r = prng.int(12);
      if (r === 0) {
        lines.push(`${indent}if (${id()} ${prng.pick(OPS)} ${prng.int(4096)}) {`);
        depth = Math.min(depth + 1, 4);
      } else if (r === 1 && depth > 0) {
        depth--;
        lines.push(`${'    '.repeat(depth)}}`);
      } else if (r === 2) lines.push(`${indent}return ${id()};`);
      else if (r === 3) lines.push('');
      else if (r === 4) {
        const words = Array.from({ length: prng.range(3, 12) }, () => prng.pick(WORDS)).join(' ');
        lines.push(`${indent}/* ${words} */`);
      } else if (r === 5) lines.push(`#include <${id()}/${id()}.h>`);
      else if (r === 6) lines.push(`${indent}${prng.pick(KEYWORDS)} ${id()} = ${id()}->${id()};`);
      else lines.push(`${indent}${id()} = ${id()}(${id()}, ${prng.chance(0.5) ? id() : String(prng.int(65536))});`);
    }
    return lines.join('\n') + '\n';
  }

  private logLines(prng: Prng): string {
    const lines: string[] = [];
    for (let i = 0; i < 64; i++) {
      this.logClock += prng.int(5000);
      const svc = prng.pick(SERVICES);
      const ts = new Date(this.logClock).toISOString();
      const msg = prng.chance(0.6)
        ? `session opened for user ${prng.pick(this.identifiers)} by (uid=${prng.int(2000)})`
        : `${prng.pick(this.identifiers)}: request=${prng.u32().toString(16)} status=${prng.pick([200, 200, 200, 304, 404, 500])} bytes=${prng.int(100000)}`;
      lines.push(`${ts} host01 ${svc}[${1000 + prng.int(30000)}]: ${msg}`);
    }
    return lines.join('\n') + '\n';
  }
}

function textChunk(n: number, more: () => string): Buffer {
  const parts: string[] = [];
  let len = 0;
  while (len < n) {
    const s = more();
    parts.push(s);
    len += s.length; // ASCII only, so string length = byte length
  }
  return Buffer.from(parts.join(''), 'latin1').subarray(0, n);
}

/** Binary with the mix of redundancy found in databases and executables, built per 4 KiB block. */
function structuredChunk(n: number, prng: Prng, previous: Buffer | null): Buffer {
  const BLOCK = 4096;
  const b = Buffer.alloc(n);
  prng.fill(b); // default: random block; the cases below overwrite it
  const words = new Uint32Array(b.buffer, b.byteOffset, n >>> 2);
  for (let off = 0; off + BLOCK <= n; off += BLOCK) {
    const r = prng.int(100);
    if (r < 15) {
      b.fill(0, off, off + BLOCK); // sparse / preallocated space
    } else if (r < 55) {
      // Low-entropy records: small counters and flags in each 32-bit field.
      const mask = prng.pick([0x0000000f, 0x000000ff, 0x0f0f0f0f, 0x00ff00ff]);
      for (let i = off >>> 2, end = (off + BLOCK) >>> 2; i < end; i++) words[i] &= mask;
    } else if (r < 80 && previous !== null) {
      // Near-repeat of an earlier block with a few changed bytes (page versions, copied structs).
      const src = prng.int((previous.length - BLOCK) / BLOCK + 1) * BLOCK;
      previous.copy(b, off, src, src + BLOCK);
      for (let k = 0; k < 4; k++) b.writeUInt32LE(prng.u32(), off + 4 * prng.int(BLOCK / 4));
    }
  }
  return b;
}
