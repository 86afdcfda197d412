// Seeded xorshift128 PRNG. Node's crypto RNG cannot be seeded, and the tree must be
// byte-identical across runs and machines so compression ratios are comparable.
// Bulk fills work on Uint32Array words, which keeps generating hundreds of MB cheap.

export class Prng {
  private x: number;
  private y: number;
  private z: number;
  private w: number;

  constructor(seed: number) {
    // splitmix32 spreads a small seed over the 128-bit state; an all-zero state would be stuck.
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let t = s;
      t = Math.imul(t ^ (t >>> 16), 0x85ebca6b);
      t = Math.imul(t ^ (t >>> 13), 0xc2b2ae35);
      return (t ^ (t >>> 16)) >>> 0;
    };
    this.x = next();
    this.y = next();
    this.z = next();
    this.w = next() | 1;
  }

  /** Uniform 32-bit unsigned integer. */
  u32(): number {
    const t = this.x ^ (this.x << 11);
    this.x = this.y;
    this.y = this.z;
    this.z = this.w;
    this.w = (this.w ^ (this.w >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
    return this.w;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.u32() / 0x1_0000_0000) * n);
  }

  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** Integer in [lo, hi], log-uniform: file sizes are spread over orders of magnitude. */
  logRange(lo: number, hi: number): number {
    const a = Math.log(lo);
    const b = Math.log(hi);
    return Math.round(Math.exp(a + (this.u32() / 0x1_0000_0000) * (b - a)));
  }

  chance(p: number): boolean {
    return this.u32() / 0x1_0000_0000 < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** Fills buf (whole 32-bit words; a tail of <4 bytes is filled too) with PRNG output. */
  fill(buf: Buffer): void {
    if (buf.byteOffset % 4 !== 0) {
      // A Uint32Array view needs 4-byte alignment (pooled small Buffers may not have it).
      for (let i = 0; i < buf.byteLength; i++) buf[i] = this.u32() & 0xff;
      return;
    }
    const words = new Uint32Array(buf.buffer, buf.byteOffset, buf.byteLength >>> 2);
    // Local copies of the state: V8 keeps them in registers, ~10x faster than this.x in the loop.
    let x = this.x,
      y = this.y,
      z = this.z,
      w = this.w;
    for (let i = 0; i < words.length; i++) {
      const t = x ^ (x << 11);
      x = y;
      y = z;
      z = w;
      w = (w ^ (w >>> 19) ^ (t ^ (t >>> 8))) >>> 0;
      words[i] = w;
    }
    this.x = x;
    this.y = y;
    this.z = z;
    this.w = w;
    for (let i = words.length * 4; i < buf.byteLength; i++) buf[i] = this.u32() & 0xff;
  }
}
