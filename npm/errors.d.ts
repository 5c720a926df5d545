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
  | 'not-initialized'
  | 'rpc'
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
  /** With 'daily': what daily-js threw; with 'network': what fetch threw. */
  cause?: unknown;
  /** With 'rpc': why the request failed. */
  code?: RpcErrorCode;
  /** With 'rpc' and 'application-error': the `data` of what the handler threw. */
  data?: unknown;
}

/** Why a request (`sync.request`, `sync.requestAll`) failed. */
export type RpcErrorCode =
  | 'unsupported-method'
  | 'recipient-not-found'
  | 'application-error'
  | 'connection-timeout'
  | 'response-timeout'
  | 'recipient-left'
  | 'cancelled';

/** The fields an error of each kind always has. */
export interface DailySyncErrorFields {
  'payload-too-large': { size: number; limit: number };
  http: { status: number; error: string; info: string };
  rpc: { code: RpcErrorCode };
}

/** An error of kind `K`, with the fields that kind always has (`size` and `limit`, `status`...). */
export type DailySyncErrorOf<K extends DailySyncErrorKind = DailySyncErrorKind> = DailySyncError<K> &
  (K extends keyof DailySyncErrorFields ? DailySyncErrorFields[K] : unknown);

/**
 * Whether `error` is one of this library's errors (of `kind`, when given). With a kind, the fields
 * of that kind are known: after `isDailySyncError(e, 'payload-too-large')`, `e.size` is a number.
 */
export declare function isDailySyncError<K extends DailySyncErrorKind = DailySyncErrorKind>(
  error: unknown,
  kind?: K,
): error is DailySyncErrorOf<K>;
