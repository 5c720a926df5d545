// The library's errors: every error the JS API throws or rejects with is an `Error` with a string
// `kind` (and the fields of its kind); and what daily-js's own throws mean. The Rust API reads
// daily-js's messages the same way (src/daily_errors.rs): daily-js reports every problem as a
// plain Error whose wording is stable across versions (and imitated by the local room). What each
// text means is conformance/errors.json, which both are tested against.

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
 * measures the payload, called only when daily-js says it was too large without saying by how much;
 * `call`, when given, tells a call that has left from one that has not joined yet.
 */
export function classify(thrown, size, call) {
  let message;
  try {
    message = thrown instanceof Error ? String(thrown.message) : typeof thrown === 'string' ? thrown : undefined;
  } catch {
    message = undefined;
  }
  message ??= 'a non-Error value was thrown';
  const has = (text) => message.includes(text);
  let limit;
  if (has(' only supported after join')) return notJoined(message.slice(0, message.indexOf(' only supported after join')), call);
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
    return dailySyncError('not-call-object', `not a call object: ${message}; DailySync needs Daily.createCallObject()'s, not a Daily Prebuilt frame's`);
  }
  if (has('serializable to JSON') || (thrown instanceof TypeError && (has('circular') || has('BigInt')))) {
    // "userData must be serializable to JSON: <why>" reads "not serializable to JSON: userData (<why>)".
    const [subject, why] = message.split(' must be serializable to JSON');
    return notSerializable(why === undefined ? message : `${subject}${why.replace(/^: (.*)$/s, ' ($1)')}`);
  }
  return dailySyncError('daily', `daily-js: ${message}`, { cause: thrown });
}

export const notPlainObject = () =>
  dailySyncError(
    'not-plain-object',
    'session data must be a plain object (not an array, a Map or null): keep other values under a key, such as { items: [...] }',
  );

/**
 * The `not-joined` error for `method` (such as 'sendAppMessage()'), worded for a call that has not
 * joined yet or (by `call.meetingState()`) has left. Worded as src/daily_errors.rs words it.
 */
export function notJoined(method, call) {
  let left = false;
  try {
    left = call?.meetingState() === 'left-meeting';
  } catch {
    // a call object that cannot say: worded as not joined yet
  }
  return dailySyncError(
    'not-joined',
    left
      ? `not joined: the call has left the meeting, so ${method} cannot reach anyone; join again to send`
      : `not joined: ${method} works once the call has joined; await call.join() first, or create the DailySync with { queueUntilJoined: true } to hold sends until the join`,
  );
}

/** `JSON.stringify(value).length` (UTF-16 units, as daily-js measures); undefined without a JSON form. */
export function jsonLength(value) {
  try {
    return JSON.stringify(value)?.length;
  } catch {
    return undefined;
  }
}
