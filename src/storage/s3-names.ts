// `--container` for S3: `bucket[/prefix]`, checked against S3's bucket naming rules before any
// request, so a bad name is a usage error naming the option rather than a server's 400.
import { usageError } from '../base/errors.js';

/**
 * Why S3 would refuse `name` as a bucket (3-63 of a-z 0-9 . -, starting and ending with a
 * letter or digit, no `..`, not an IP address), or null when it is fine.
 */
export function bucketNameProblem(name: string): string | null {
  if (name.length < 3 || name.length > 63) return 'it must be 3 to 63 characters long';
  if (/[^a-z0-9.-]/.test(name)) return 'only lower-case letters, digits, "." and "-" are allowed';
  if (!/^[a-z0-9].*[a-z0-9]$/.test(name)) return 'it must begin and end with a letter or a digit';
  if (name.includes('..')) return 'it must not contain ".."';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return 'it must not look like an IP address';
  return null;
}

/** `bucket[/prefix]` of `--container`; the prefix without leading or trailing slashes. */
export function parseContainer(container: string): { bucket: string; prefix: string } {
  const parts = container.split('/').filter((c) => c !== '');
  const bucket = parts.shift() ?? '';
  const problem = bucketNameProblem(bucket);
  if (problem) {
    throw usageError(
      `invalid value for --container: "${container}": S3 bucket name "${bucket}" is not valid (${problem}); use --container BUCKET[/PREFIX]`,
    );
  }
  if (parts.some((c) => c === '.' || c === '..'))
    throw usageError(`invalid value for --container: "${container}" (no "." or ".." components)`);
  return { bucket, prefix: parts.join('/') };
}
