// The library's errors: every error the JS API throws or rejects with is an `Error` with a string
// `kind` (and the fields of its kind); and what daily-js's own throws mean. The Rust API reads
// daily-js's messages the same way (src/daily_errors.rs): daily-js reports every problem as a
// plain Error whose wording is stable across versions (and imitated by the local room).

/** The library's error: an `Error` with `kind`, and the fields of its kind (size, limit, cause...). */
export function dailySyncError(kind, message, fields) {
  const error = new Error(message);
  error.kind = kind;
  if (fields !== undefined) Object.assign(error, fields);
  return error;
}

/** Whether `error` is one of this library's errors, of `kind` when given. */
export function isDailySyncError(error, kind) {
  return error instanceof Error && typeof error.kind === 'string' && (kind === undefined || error.kind === kind);
}

export const invalidArgument = (what) => dailySyncError('invalid-argument', `invalid argument: ${what}`);
export const notSerializable = (what) => dailySyncError('not-serializable', `not serializable to JSON: ${what}`);
export const tooLarge = (size, limit) =>
  dailySyncError('payload-too-large', `payload too large: ${size} characters, the limit is ${limit}`, { size, limit });

const numberAfter = (message, prefix) => {
  const at = message.indexOf(prefix);
  if (at < 0) return undefined;
  const digits = /^\d+/.exec(message.slice(at + prefix.length));
  return digits ? Number(digits[0]) : undefined;
};

/**
 * A value thrown by (or a rejection of) a call-object method, as this library's error. `size`
 * measures the payload, called only when daily-js says it was too large without saying by how much.
 */
export function classify(thrown, size) {
  let message;
  try {
    message = thrown instanceof Error ? String(thrown.message) : typeof thrown === 'string' ? thrown : undefined;
  } catch {
    message = undefined;
  }
  message ??= 'a non-Error value was thrown';
  const has = (text) => message.includes(text);
  let limit;
  if (has('only supported after join')) return dailySyncError('not-joined', `not joined: ${message}`);
  if ((limit = numberAfter(message, 'Max size is ')) !== undefined) {
    // sendAppMessage: "Message data too large. Max size is 4096"
    return tooLarge(size?.() ?? limit + 1, limit);
  }
  if (has('is too large (')) {
    // "userData is too large (5000 characters). Maximum size suppported is 4096."
    const measured = numberAfter(message, 'too large (') ?? size?.() ?? 0;
    return tooLarge(measured, numberAfter(message, 'Maximum size suppported is ') ?? 0);
  }
  if (has('plain (map-like) object')) return notPlainObject();
  if (has('only supported on custom callObject')) {
    return dailySyncError('not-call-object', `not a daily-js call object: ${message}`);
  }
  if (has('serializable to JSON') || (thrown instanceof TypeError && (has('circular') || has('BigInt')))) {
    return notSerializable(message);
  }
  return dailySyncError('daily', `daily-js: ${message}`, { cause: thrown });
}

export const notPlainObject = () =>
  dailySyncError('not-plain-object', 'session data must be a plain object (not an array, a Map or null)');

/** `JSON.stringify(value).length` (UTF-16 units, as daily-js measures); undefined without a JSON form. */
export function jsonLength(value) {
  try {
    return JSON.stringify(value)?.length;
  } catch {
    return undefined;
  }
}
