/** The kinds of error the JS API throws; each is an `Error` with `kind` set. */
export type DailySyncErrorKind =
  | 'payload-too-large'
  | 'not-joined'
  | 'not-serializable'
  | 'invalid-recipient'
  | 'not-plain-object'
  | 'not-call-object'
  | 'invalid-argument'
  | 'disposed'
  | 'http'
  | 'network'
  | 'timeout'
  | 'daily';

/** An error thrown (or a rejection) by the JS API. */
export interface DailySyncError<K extends DailySyncErrorKind = DailySyncErrorKind> extends Error {
  kind: K;
  /** With 'payload-too-large': the payload's JSON.stringify length, and the limit. */
  size?: number;
  limit?: number;
  /** With 'http': the status and Daily's error body. */
  status?: number;
  error?: string;
  info?: string;
  /** With 'daily': what daily-js threw. */
  cause?: unknown;
}

/** Whether `error` is one of this library's errors (of `kind`, when given). */
export declare function isDailySyncError<K extends DailySyncErrorKind = DailySyncErrorKind>(
  error: unknown,
  kind?: K,
): error is DailySyncError<K>;
