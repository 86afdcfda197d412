// What an S3 failure means for the caller: retryable, not found, taken (a create-only write
// that lost) or permanent, from the HTTP status and S3's error code, with a hint at the option
// to change when S3's own text cannot name it.
import { FaultKind, StorageFault } from './storage.js';

/** S3 error codes that name a transient condition, whatever their HTTP status. */
const RETRYABLE_CODES = new Set([
  'SlowDown',
  'RequestTimeout',
  'InternalError',
  'ServiceUnavailable',
  'Throttling',
  'ThrottlingException',
  'RequestLimitExceeded',
  'OperationAborted',
  'RequestTimeTooSkewed',
  // The body was damaged on the way: another try sends it again.
  'BadDigest',
  'XAmzContentSHA256Mismatch',
  'IncompleteBody',
  // Two conditional writes of one key at once (AWS): the retry sees which one won.
  'ConditionalRequestConflict',
]);

/** A StorageFault that also carries what S3 said. */
export class S3Fault extends StorageFault {
  constructor(
    fault: FaultKind,
    message: string,
    readonly httpStatus: number,
    readonly s3Code: string,
    options?: { cause?: unknown },
  ) {
    super(fault, message, options);
    this.name = 'S3Fault';
  }
}

export function classify(status: number, code: string): FaultKind {
  if (RETRYABLE_CODES.has(code)) return 'retryable';
  if (status === 404 || code === 'NoSuchKey' || code === 'NoSuchBucket' || code === 'NoSuchUpload') return 'not-found';
  if (status === 412 || code === 'PreconditionFailed') return 'exists'; // If-None-Match: *
  if (status >= 500 || status === 429 || status === 408) return 'retryable';
  return 'permanent';
}

/** What the user can change when S3's own text cannot name our options. */
export function hintFor(status: number, code: string): string {
  if (code === 'SignatureDoesNotMatch') return 'check --secret-key';
  if (code === 'InvalidAccessKeyId') return 'check --access-key';
  if (code === 'AuthorizationHeaderMalformed') return 'set the region with AWS_REGION; the default is us-east-1';
  // A HEAD answer has no body, so no S3 code says which.
  if (!code && status === 403) return 'wrong --access-key or --secret-key, or no access to the bucket';
  return '';
}

/** The server refused the If-None-Match header itself (not the write). */
export const conditionUnsupported = (err: unknown) => err instanceof S3Fault && err.httpStatus === 501 && err.s3Code === 'NotImplemented';

/** "Not there" in a write is permanent: a missing upload or bucket cannot be retried into existence. */
export function asWriteFault(err: unknown): unknown {
  if (err instanceof S3Fault && err.fault === 'not-found')
    return new S3Fault('permanent', err.message, err.httpStatus, err.s3Code, { cause: err });
  return err;
}
