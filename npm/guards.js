// The default entry's schema guards: peer data checked against `options.schemas` once per payload,
// each failure reported to the onInvalid callbacks, and items shown to subscribers only once they
// passed.
import { fanOut } from './hub.js';
import { SOURCES, isThenable, validate } from './schemas.js';

/**
 * Where each kind of item carries peer data, for the schemas: the schema's name, the value, its
 * sender, and the item with the value replaced by the schema's output (`undefined`: it failed).
 * `optional`: an absent value (a participant with no userData) is not checked.
 */
export const GUARDS = {
  message: {
    schema: 'appMessage',
    value: (m) => m.data,
    from: (m) => m.fromId,
    with: (m, data) => (data === undefined ? undefined : { data, fromId: m.fromId }),
  },
  // A participant whose userData fails is still shown (presence matters), without it.
  participant: {
    schema: 'userData',
    optional: true,
    value: (p) => p.userData,
    from: (p) => p.sessionId,
    with: (p, userData) => ({ ...p, userData }),
  },
  participantEvent: {
    schema: 'userData',
    optional: true,
    value: (e) => e.participant.userData,
    from: (e) => e.participant.sessionId,
    with: (e, userData) => ({ action: e.action, participant: { ...e.participant, userData } }),
  },
  sessionState: {
    schema: 'sessionData',
    value: (item) => item.state.data,
    from: () => undefined,
    with: (item, data) => (data === undefined ? undefined : item),
  },
};

/** One DailySync's schemas (`options.schemas`, or null), what they decided, and its onInvalid callbacks. */
export class Guards {
  constructor(schemas) {
    this.schemas = schemas;
    /** `onInvalid` callbacks. */
    this.invalid = [];
    /** Each peer payload's validation result (or its Promise), so it is checked and reported once. */
    this.checked = new WeakMap();
    /** The last local view of the session data that passed its schema. */
    this.lastValidView = {};
  }

  /** Whether items of `guard` must wait for a schema. */
  applies(guard) {
    return guard !== undefined && !!this.schemas?.[guard.schema];
  }

  /**
   * Validates `value` of a peer `payload` against the schema `name` once per payload, reporting a
   * failure to `onInvalid`; returns `{ value }`, `{ issues }`, a Promise of one, or null when there
   * is no schema.
   */
  check(name, payload, value, fromId) {
    const schema = this.schemas?.[name];
    if (!schema) return null;
    const cached = this.checked.get(payload);
    if (cached !== undefined) return cached;
    const report = (result) => {
      if (result.issues) {
        fanOut(this.invalid, { source: SOURCES[name], fromId, data: value, issues: result.issues }, 'onInvalid');
      }
      return result;
    };
    const result = validate(schema, value);
    const checked = isThenable(result) ? result.then(report) : report(result);
    this.checked.set(payload, checked);
    return checked;
  }

  /** `item` (made from `payload`) as its consumers may see it: `{ value }` of it, or a Promise of that. */
  guarded(guard, payload, item) {
    if (!this.applies(guard)) return { value: item };
    const value = guard.value(item);
    if (value === undefined && guard.optional) return { value: item };
    const result = this.check(guard.schema, payload, value, guard.from(item));
    const pass = (r) => ({ value: guard.with(item, r.issues ? undefined : r.value) });
    return isThenable(result) ? result.then(pass) : pass(result);
  }

  /** A participant's userData as shown: undefined when it fails its schema, or the schema is asynchronous. */
  userData(userData) {
    const schema = this.schemas?.userData;
    if (!schema || userData === undefined) return userData;
    const result = validate(schema, userData);
    return isThenable(result) || result.issues ? undefined : result.value;
  }

  /** The local view of the session data as shown: with a schema, the last view that passed it. */
  view(view) {
    const schema = this.schemas?.sessionData;
    if (!schema) return view;
    const result = validate(schema, view);
    if (!isThenable(result) && !result.issues) this.lastValidView = result.value;
    return this.lastValidView;
  }
}
