// Presence (`sync.presence(name, options)`), in the `daily-sync/channels` entry: per-participant
// state that changes many times a second, latest wins. The Rust core (PresenceCore,
// src/js/presence_core.rs over src/presence/) sends at most one message per interval, drops late ones
// and expires silent participants; this face feeds it the call's events and fans out changes.
import { PresenceCore } from './wasm/channels/daily_sync.js';
import { checkCallback, checkSerializable } from './checks.js';
import { invalidArgument } from './errors.js';
import { fanOut, followPeers } from './hub.js';
import { sharedOf } from './registry.js';
import { isThenable, schemasByName, validate } from './schemas.js';

const MAX_MS = 2147483647;

/** `intervalMs` (a number of ms, at least 16, or 'auto'; default 100) and `staleMs` (ms, or none). */
function optionsOf(options) {
  if (options === undefined || options === null) return { intervalMs: 100 };
  if (typeof options !== 'object') throw invalidArgument('options must be an object');
  const { intervalMs = 100, staleMs } = options;
  if (intervalMs !== 'auto' && !(typeof intervalMs === 'number' && intervalMs >= 16 && intervalMs <= MAX_MS)) {
    throw invalidArgument("options.intervalMs must be 'auto' or at least 16 (ms)");
  }
  if (staleMs !== undefined && !(typeof staleMs === 'number' && staleMs >= 0 && staleMs <= MAX_MS)) {
    throw invalidArgument('options.staleMs must be a number of ms');
  }
  return { intervalMs, staleMs };
}

/** The presence `name` of one DailySync. */
class Presence {
  #core;
  #listeners = [];
  #offs;
  #live;

  constructor(shared, name, { intervalMs, staleMs }, schema) {
    const { call } = shared;
    this.#live = shared.live;
    this.#core = new PresenceCore(call, name, intervalMs === 'auto' ? undefined : intervalMs, staleMs, (id, value) =>
      fanOut(this.#listeners, [id, value], 'presence change'),
    );
    const retune = () => this.#core.roomSize(Object.keys(call.participants()).length);
    retune();
    this.#offs = followPeers(call, (data) => data.c === '$p' && data.n === name, {
      receive: schema === undefined ? (e) => this.#core.receive(e) : (e) => this.#checked(e, schema, shared.invalid),
      joined: (_participant, id) => {
        this.#core.joined(id);
        retune();
      },
      left: (id) => {
        this.#core.left(id);
        retune();
      },
    });
  }

  /**
   * Hands `e` on to the core once its value passes `schema` (with the schema's output: it may
   * transform); a value that fails goes to onInvalid and leaves the sender's last value as it was.
   * An asynchronous schema may settle out of order: the core's sequence numbers drop the older.
   */
  #checked(e, schema, invalid) {
    const { data, fromId } = e;
    const deliver = ({ value, issues }) => {
      if (issues === undefined) return this.#core.receive({ fromId, data: { ...data, v: value } });
      fanOut(invalid, { source: 'presence', name: data.n, fromId, data: data.v, issues }, 'onInvalid');
    };
    const result = validate(schema, data.v);
    if (isThenable(result)) result.then(deliver);
    else deliver(result);
  }

  /** Sets the local value: any rate; at most one app message per interval carries the latest. */
  set(value) {
    this.#live();
    checkSerializable(value, 'the presence value');
    this.#core.set(value);
  }

  /** The others' values: `Map<sessionId, { value, updatedAt }>` (`updatedAt` in ms, Date.now()'s clock). */
  get() {
    return new Map(this.#core.others().map(([id, value, updatedAt]) => [id, { value, updatedAt }]));
  }

  /** Calls `fn(sessionId, value)` on each change (`value` undefined: gone); returns the unsubscribe. */
  onChange(fn) {
    this.#live();
    checkCallback(fn);
    const sink = ([id, value]) => fn(id, value);
    this.#listeners.push(sink);
    return () => {
      const at = this.#listeners.indexOf(sink);
      if (at >= 0) this.#listeners.splice(at, 1);
    };
  }

  close() {
    for (const off of this.#offs) off();
    this.#listeners.length = 0;
    this.#core.close();
    this.#core.free();
  }
}

/** The presence `name` of `sync` (one per name and DailySync), closed when `sync` is disposed. */
export function presenceOf(sync, name, options) {
  const shared = sharedOf(sync);
  if (typeof name !== 'string' || name === '') throw invalidArgument('the presence name must be a non-empty string');
  const checked = optionsOf(options);
  const schemas = schemasByName(shared.schemas?.presence, 'presence', 'names');
  if (schemas instanceof Error) throw schemas;
  shared.presences ??= new Map();
  let presence = shared.presences.get(name);
  if (presence === undefined) {
    presence = new Presence(shared, name, checked, schemas.get(name));
    shared.presences.set(name, presence);
    shared.own(() => {
      shared.presences.delete(name);
      presence.close();
    });
  }
  return presence;
}
