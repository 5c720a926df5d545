// The checks of what an app hands the default entry, before daily-js sees it: daily-js's own
// checks are missing (an empty recipient list), late (session data over the limit is refused
// seconds later, by an event) or confusing (a TypeError for a BigInt). Each refusal is an error
// with a kind (errors.js), worded as the Rust API words it (src/payload/error.rs); both are tested
// on the cases of conformance/bad-inputs.json.
import { dailySyncError, invalidArgument, notPlainObject, notSerializable } from './errors.js';
import { CALL_OBJECT_METHODS, DEFAULT_SESSION_DATA_INTERVAL_MS, MIN_SESSION_DATA_INTERVAL_MS } from './constants.js';

/** `options?.[name]`; a getter that throws is refused as an invalid argument. */
export function readOption(options, name) {
  try {
    return options?.[name];
  } catch {
    throw invalidArgument(`options.${name} cannot be read`);
  }
}

const notCallObject = (why) =>
  dailySyncError('not-call-object', `not a call object: ${why}; pass a call object from Daily.createCallObject() or a local one`);

/** Checks that `call` has the call-object methods this library uses; names the first missing. */
export function checkCallObject(call) {
  // A function with the methods is no call object either, as in Rust (conformance/bad-inputs.json).
  if (call === null || typeof call !== 'object') {
    throw notCallObject('got a non-object');
  }
  for (const name of CALL_OBJECT_METHODS) {
    let method;
    try {
      method = call[name];
    } catch {
      method = undefined; // a hostile getter: as good as missing
    }
    if (typeof method !== 'function') throw notCallObject(`it has no ${name}() method`);
  }
}

/** Checks `new DailySync(call, options)`'s options; returns the session-data interval in ms. */
export function sessionInterval(options) {
  if (options === undefined || options === null) return DEFAULT_SESSION_DATA_INTERVAL_MS;
  if (typeof options !== 'object' && typeof options !== 'function') throw invalidArgument('options must be an object');
  let interval;
  try {
    interval = options.sessionDataIntervalMs;
  } catch {
    throw invalidArgument('options.sessionDataIntervalMs cannot be read');
  }
  if (interval === undefined) return DEFAULT_SESSION_DATA_INTERVAL_MS;
  if (typeof interval !== 'number' || !Number.isFinite(interval)) {
    throw invalidArgument('options.sessionDataIntervalMs must be a finite number of milliseconds');
  }
  if (interval < MIN_SESSION_DATA_INTERVAL_MS) {
    throw invalidArgument(`options.sessionDataIntervalMs must be at least ${MIN_SESSION_DATA_INTERVAL_MS}`);
  }
  return interval;
}

const invalidRecipient = (why) => dailySyncError('invalid-recipient', `invalid recipient: ${why}`);

/**
 * Reads `to` as daily-js takes it: `'*'` (or nothing), a session id, or a non-empty array of ids,
 * none empty and none `'*'`. A list is copied, so the caller's array cannot change after the check.
 */
export function recipient(to) {
  if (to === undefined || to === null || to === '*') return '*';
  if (typeof to === 'string') {
    if (to === '') throw invalidRecipient('a session id must not be empty');
    return to;
  }
  let isArray;
  try {
    isArray = Array.isArray(to);
  } catch {
    isArray = false; // a revoked Proxy
  }
  if (!isArray) throw invalidRecipient("expected '*', a session id or an array of session ids");
  let ids;
  try {
    ids = Array.from(to);
  } catch {
    throw invalidRecipient('reading the list of session ids threw');
  }
  if (!ids.every((id) => typeof id === 'string')) throw invalidRecipient('every session id must be a string');
  if (ids.length === 0) throw invalidRecipient('the list of session ids is empty');
  if (ids.some((id) => id === '' || id === '*')) throw invalidRecipient("a list of session ids must hold non-empty ids, not '*'");
  return ids;
}

/** Refuses values that have no JSON form at their top level (daily-js's own check is a TypeError or nothing). */
export function checkSerializable(data, what) {
  const why =
    data === undefined
      ? 'is undefined'
      : typeof data === 'function'
        ? 'is a function'
        : typeof data === 'symbol'
          ? 'is a Symbol'
          : typeof data === 'bigint'
            ? 'is a BigInt'
            : null;
  if (why !== null) throw notSerializable(`${what} ${why}`);
}

/** Checks that session data is a plain object (not an array, a Map, a class instance or null). */
export function checkPlainObject(data) {
  let plain;
  try {
    const proto = data !== null && typeof data === 'object' && !Array.isArray(data) && Object.getPrototypeOf(data);
    plain = proto === null || proto === Object.prototype;
  } catch {
    throw notSerializable('inspecting the object threw');
  }
  if (!plain) throw notPlainObject();
}

/** Checks a callback. */
export function checkCallback(fn) {
  if (typeof fn !== 'function') throw invalidArgument('the callback must be a function');
}
