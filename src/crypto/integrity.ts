// What integrity checking records of the stored bytes (docs/FORMAT.md §4, `permafrost.data`):
// the SHA-256 of every segment and of the whole stream, and the HMAC-SHA256 when encrypted.
// The digest stage (pipeline/digest.ts) computes them on backup and checks them on restore.
import { native } from '../native.js';

export interface StreamDigest {
  segment_size: number;
  segments: string[];
  size: number;
  sha256: string;
  hmac_sha256?: string;
}

/** The SHA-256 of a small buffer (engine_metadata), on the libuv pool. */
export async function sha256Hex(data: Buffer): Promise<string> {
  const d = new native.Digest(null);
  await d.update(data);
  return d.final()[0].toString('hex');
}
