// Request and response for DailySync (`sync.handle`, `sync.request`, `sync.requestAll`), in the
// `daily-sync/channels` entry. The Rust core (RpcCore, src/js/rpc.rs) sends requests and answers
// over the channel layer, acknowledges, keeps the deadlines and tells duplicates; this face runs
// the app's handlers and settles its promises.
import { RpcCore } from './wasm/channels/daily_sync.js';
import { checkCallback } from './checks.js';
import { dailySyncError, invalidArgument } from './errors.js';
import { fanOut, followPeers, listen } from './hub.js';
import { sharedOf } from './registry.js';
import { schemasByName, validate } from './schemas.js';

/** The channel the requests travel on (src/rpc/driver.rs). */
const CHANNEL = '$rpc';

const isObject = (value) => value !== null && typeof value === 'object';

const NO_OPTIONS = Object.freeze({});

/** A request's options: `timeoutMs`, `connectionTimeoutMs` (numbers of ms) and `signal`. */
function optionsOf(options) {
  if (options === undefined || options === null) return NO_OPTIONS;
  if (typeof options !== 'object') throw invalidArgument('options must be an object');
  const { timeoutMs, connectionTimeoutMs, signal } = options;
  for (const [name, ms] of [['timeoutMs', timeoutMs], ['connectionTimeoutMs', connectionTimeoutMs]]) {
    if (ms !== undefined && !(typeof ms === 'number' && ms >= 0 && ms <= 2147483647)) {
      throw invalidArgument(`options.${name} must be a number of milliseconds, 0 to 2147483647`);
    }
  }
  if (signal !== undefined && !(isObject(signal) && typeof signal.aborted === 'boolean')) {
    throw invalidArgument('options.signal must be an AbortSignal');
  }
  return { timeoutMs, connectionTimeoutMs, signal };
}

/** The error of an aborted request. */
const cancelled = () => Object.assign(dailySyncError('rpc', 'the request was cancelled'), { code: 'cancelled' });

/** What a handler's failure says: its message, and `data` when it threw an object with one. */
function failureOf(thrown) {
  let message = 'the handler failed';
  let data;
  try {
    if (isObject(thrown)) {
      if (typeof thrown.message === 'string') message = thrown.message;
      data = thrown.data;
    } else if (thrown !== undefined) {
      message = String(thrown);
    }
  } catch {
    // a hostile error: its generic message
  }
  return { message, data };
}

/** Request and response on one DailySync. */
class Rpc {
  #call;
  #core;
  /** What the DailySync shares: its `invalid` callbacks (onInvalid). */
  #shared;
  /** Method -> schema (`options.schemas.rpc`), or what is wrong with that option. */
  #schemas;
  #handlers = new Map();
  /** id -> what settles one outcome `(to, value, error)` of that request, true once it is done. */
  #pending = new Map();
  #offs;
  /** The other participants' session ids, or null when membership may have changed since read. */
  #present = null;

  constructor(shared) {
    const { call } = shared;
    this.#shared = shared;
    this.#schemas = schemasByName(shared.schemas?.rpc, 'rpc', 'methods');
    this.#call = call;
    this.#core = new RpcCore(
      call,
      (from, id, method, payload) => this.#run(from, id, method, payload),
      (id, to, value, error) => this.#pending.get(id)?.(to, value, error) && this.#pending.delete(id),
    );
    this.#offs = followPeers(call, (data) => data.c === CHANNEL, {
      receive: (e) => this.#core.receive(e),
      joined: (participant) => this.#core.joined(participant),
      left: (id) => this.#core.left(id),
    });
    // Who is in the call is read again after a change of membership, not for every request:
    // participants() costs more than a request's own work on the local call object.
    const stale = () => (this.#present = null);
    for (const event of ['participant-joined', 'participant-left', 'joined-meeting', 'left-meeting']) {
      this.#offs.push(listen(call, event, stale));
    }
  }

  handle(method, fn) {
    if (typeof method !== 'string' || method === '') throw invalidArgument('the method must be a non-empty string');
    checkCallback(fn);
    if (this.#schemas instanceof Error) throw this.#schemas;
    if (this.#handlers.has(method)) throw invalidArgument(`a handler for '${method}' is registered already`);
    this.#handlers.set(method, fn);
    this.#core.setHandled(method, true);
    return () => {
      if (this.#handlers.get(method) !== fn) return;
      this.#handlers.delete(method);
      this.#core.setHandled(method, false);
    };
  }

  /** Runs the handler of a request (already acknowledged) and answers with what it gives. */
  #run(from, id, method, payload) {
    const fn = this.#handlers.get(method);
    const schema = this.#schemas.get?.(method);
    const run = schema === undefined ? Promise.resolve(payload) : Promise.resolve().then(() => validate(schema, payload));
    run
      .then((checked) => {
        if (schema === undefined) return fn(checked, { fromId: from });
        const { issues } = checked;
        if (issues === undefined) return fn(checked.value, { fromId: from });
        // The handler never sees it; the caller learns only the issues' messages.
        fanOut(this.#shared.invalid, { source: 'rpc', method, fromId: from, data: payload, issues }, 'onInvalid');
        throw { message: `the request was invalid: ${issues.map((issue) => issue.message).join('; ')}` };
      })
      .then(
        (value) => this.#answer(from, id, value),
        (thrown) => this.#answer(from, id, undefined, failureOf(thrown)),
      );
  }

  /** Answers request `id` of `from` with `value`, or with the handler's `failure` ({ message, data }). */
  #answer(from, id, value, failure) {
    try {
      if (failure === undefined) this.#core.respond(from, id, false, value, undefined, undefined);
      else this.#core.respond(from, id, true, undefined, failure.message, failure.data);
    } catch (error) {
      // The answer cannot be sent (too large, no JSON form): the caller is told why, unless the
      // call itself is gone.
      if (failure === undefined) this.#answer(from, id, undefined, { message: `the answer could not be sent: ${error.message}` });
    }
  }

  #others() {
    return Object.values(this.#call.participants())
      .filter((p) => isObject(p) && !p.local && typeof p.session_id === 'string')
      .map((p) => p.session_id);
  }

  /**
   * Whether `to` is another participant of the call. A session id not among those last read is
   * looked up afresh (an app's own participant-joined listener may run before this one's).
   */
  #isPresent(to) {
    if (this.#present?.has(to)) return true;
    this.#present = new Set(this.#others());
    return this.#present.has(to);
  }

  /**
   * Keeps what settles request `id`'s outcomes: `settle(to, value, error)`, which says when the
   * request is done. An abort of `signal` cancels it.
   */
  #wait(id, signal, settle) {
    if (signal === undefined) {
      this.#pending.set(id, settle);
      return;
    }
    const abort = () => this.#core.cancel(id);
    signal.addEventListener('abort', abort, { once: true });
    this.#pending.set(id, (to, value, error) => {
      const done = settle(to, value, error);
      if (done) signal.removeEventListener('abort', abort);
      return done;
    });
  }

  request(to, method, payload, options) {
    return new Promise((resolve, reject) => {
      if (typeof to !== 'string' || to === '' || to === '*') {
        throw dailySyncError('invalid-recipient', 'invalid recipient: a request goes to one session id');
      }
      const { timeoutMs, connectionTimeoutMs, signal } = optionsOf(options);
      if (signal?.aborted) throw cancelled();
      const id = this.#core.request(to, this.#isPresent(to), method, payload, timeoutMs, connectionTimeoutMs);
      this.#wait(id, signal, (_to, value, error) => {
        if (error === undefined) resolve(value);
        else reject(error);
        return true;
      });
    });
  }

  requestAll(method, payload, options) {
    return new Promise((resolve) => {
      const { timeoutMs, connectionTimeoutMs, signal } = optionsOf(options);
      if (signal?.aborted) throw cancelled();
      const everyone = this.#others();
      const id = this.#core.requestAll(everyone, method, payload, timeoutMs, connectionTimeoutMs);
      const results = new Map();
      if (everyone.length === 0) return resolve(results);
      this.#wait(id, signal, (to, value, error) => {
        results.set(to, error === undefined ? { ok: true, value } : { ok: false, error });
        if (results.size < everyone.length) return false;
        resolve(results);
        return true;
      });
    });
  }

  close() {
    for (const off of this.#offs) off();
    // What unregisters a handler may run after this (a channel's history closes with the same
    // DailySync): it finds no handlers left and leaves the freed core alone.
    this.#handlers.clear();
    this.#core.close();
    this.#core.free();
  }
}

/** The request and response of `sync` (one per DailySync), closed when `sync` is disposed. */
export function rpcOf(sync) {
  const shared = sharedOf(sync);
  if (shared.rpc === undefined) {
    const rpc = new Rpc(shared);
    shared.rpc = rpc;
    shared.own(() => {
      shared.rpc = undefined;
      rpc.close();
    });
  }
  return shared.rpc;
}
