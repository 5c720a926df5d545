// The `daily-sync/ordered` entry: ordered room state (`sync.ordered().apply(ops)`). The logic
// (ops, batches all or nothing, which batches were applied, who orders) is Rust (src/ordered,
// through src/js/ordered.rs); this face sends batches to the orderer over request and response
// (npm/rpc.js), and, on the orderer, writes what the core says into session data.
//
// A caller has one request in flight at a time, carrying every batch queued so far; it names each
// batch by a counter, so that the orderer (and a successor, which reads the bookkeeping from
// session data) applies a retried batch at most once.
import wasmInit, { OrderedCore, orderedCheck, orderedLeader } from './wasm/ordered/daily_sync.js';
import initChannels from './channels.js';
import { dailySyncError, invalidArgument, notSerializable } from './errors.js';
import { initWith, registry, sharedOf } from './registry.js';
import { rpcOf } from './rpc.js';

/**
 * Loads this entry's wasm (in Node, from disk) and `daily-sync/channels`, whose request and
 * response carry the changes; after it, `sync.ordered()` works on every DailySync. Every
 * participant should load it before making its DailySync: the longest present one orders, whether
 * or not its app calls `ordered()`. A second call loads nothing.
 */
export default async function init(input) {
  const [loaded] = await Promise.all([
    initWith(wasmInit, input, new URL('./wasm/ordered/daily_sync_bg.wasm', import.meta.url)),
    initChannels(),
  ]);
  if (registry.ordered === null) {
    // Every DailySync answers ordered changes, so that the longest present one can order.
    const rpc = registry.rpc;
    registry.rpc = (sync) => {
      const made = rpc(sync);
      orderedOf(sync);
      return made;
    };
    registry.ordered = orderedOf;
  }
  return loaded;
}

/** The reserved method the orderer answers. */
const METHOD = '$ordered.apply';
/** How long apply() keeps asking (the orderer, then its successors) before it rejects. */
const DEADLINE_MS = 30000;
/** The most batches one request carries. */
const MAX_GROUP = 64;
/** How long a caller waits for a successor to see a state it has seen, before trusting it anyway. */
const BEHIND_MS = 3000;

const isObject = (value) => value !== null && typeof value === 'object';

/** What the orderer throws for a request it cannot take now: the caller asks again. */
const retry = (message, behind) => ({ message, data: { retry: true, behind } });

/** Ordered room state on one DailySync: `sync.ordered()`. */
export class OrderedState {
  #sync;
  #shared;
  #rpc;
  #core = new OrderedCore();
  #off;
  /** Batches not yet settled, in counter order: `{ n, ops, resolve, reject, until }`. */
  #queue = [];
  #sending = false;
  /**
   * The last batch's number. It starts at this DailySync's creation time (ms × 1000), so that one
   * made again on the same call object (a remount) numbers above every batch of the one before:
   * the orderer takes a number at or below the last it applied for a session id for a retry.
   */
  #counter = Math.floor(Date.now()) * 1000;
  /** The highest state version this caller was told of: an orderer behind it waits. */
  #seen = 0;
  #behindSince = 0;
  #tries = 0;
  #timer = null;
  #closed = false;
  /** The session id this participant last ordered as. */
  #servedAs;

  /** Use `sync.ordered()`. */
  constructor(sync, shared) {
    this.#sync = sync;
    this.#shared = shared;
    this.#rpc = rpcOf(sync);
    this.#off = this.#rpc.handle(METHOD, (payload, { fromId }) => this.#serve(fromId, payload));
  }

  /**
   * Applies `ops` (an array of `{ op, key, ... }`) through the orderer, all or none; resolves with
   * the values of the keys the batch names once it is applied (a deleted key left out).
   */
  apply(ops) {
    try {
      if (this.#closed) throw dailySyncError('disposed', 'this ordered state was closed with its DailySync');
      this.#shared.live();
      let text;
      try {
        text = JSON.stringify(ops);
      } catch (error) {
        throw notSerializable(error instanceof Error ? error.message : 'JSON.stringify failed');
      }
      // Checked (and sent) as JSON makes it: what the orderer will see.
      const data = text === undefined ? undefined : JSON.parse(text);
      orderedCheck(data);
      return new Promise((resolve, reject) => {
        this.#queue.push({ n: ++this.#counter, ops: data, resolve, reject, until: Date.now() + DEADLINE_MS });
        this.#pump();
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** `[my session id, the orderer's, every session id]` in this participant's view of the call. */
  #roles() {
    const list = [];
    let me;
    for (const p of Object.values(this.#shared.call.participants() ?? {})) {
      if (!isObject(p) || typeof p.session_id !== 'string') continue;
      if (p.local) me = p.session_id;
      list.push([p.session_id, p.joined_at instanceof Date ? p.joined_at.getTime() : p.joined_at]);
    }
    return [me, orderedLeader(list), list.map(([id]) => id)];
  }

  #joined() {
    try {
      return this.#shared.call.meetingState() === 'joined-meeting';
    } catch {
      return false;
    }
  }

  /** Sends the queued batches (one request at a time) to the orderer, or applies them here. */
  #pump() {
    if (this.#sending || this.#closed || this.#timer !== null || this.#queue.length === 0) return;
    const group = this.#queue.slice(0, MAX_GROUP);
    if (!this.#joined()) {
      return this.#reject(group, dailySyncError('not-joined', 'ordered().apply() needs a joined call: the orderer is one of its participants'));
    }
    this.#sending = true;
    const payload = { b: group.map((entry) => [entry.n, entry.ops]), s: this.#seen };
    let answer;
    try {
      const [me, leader] = this.#roles();
      const timeoutMs = Math.max(1, Math.min(10000, group[0].until - Date.now()));
      answer = leader === me ? Promise.resolve().then(() => this.#serve(me, payload)) : this.#rpc.request(leader, METHOD, payload, { timeoutMs });
    } catch (error) {
      answer = Promise.reject(error);
    }
    answer.then(
      (value) => this.#settle(group, value),
      (error) => this.#failed(group, error),
    );
  }

  /** Takes `group` off the queue, rejecting each with `error`. */
  #reject(group, error) {
    this.#queue.splice(0, group.length);
    for (const entry of group) entry.reject(error);
    this.#pump();
  }

  /** The orderer's answer: one outcome per batch. */
  #settle(group, answer) {
    this.#sending = false;
    if (this.#closed) return;
    this.#tries = 0;
    this.#behindSince = 0;
    const outcomes = isObject(answer) && Array.isArray(answer.r) ? answer.r : [];
    if (isObject(answer) && Number.isSafeInteger(answer.v) && answer.v > this.#seen) this.#seen = answer.v;
    this.#queue.splice(0, group.length);
    group.forEach((entry, i) => {
      const o = outcomes[i];
      if (isObject(o) && isObject(o.ok)) return entry.resolve(o.ok);
      const known = isObject(o) && (o.kind === 'invalid-argument' || o.kind === 'payload-too-large');
      const message = known ? String(o.message) : 'the orderer gave no outcome for this batch';
      const fields = !known ? { code: 'application-error' } : o.kind === 'payload-too-large' ? { size: o.size, limit: o.limit } : undefined;
      entry.reject(dailySyncError(known ? o.kind : 'rpc', message, fields));
    });
    this.#pump();
  }

  /** The request failed: asked again (the orderer may have changed) until the deadline. */
  #failed(group, error) {
    this.#sending = false;
    if (this.#closed) return;
    const data = isObject(error) ? error.data : undefined;
    const again = isObject(data) && data.retry === true;
    if (!(again || (error?.kind === 'rpc' && error.code !== 'application-error' && error.code !== 'cancelled'))) {
      const failure = error instanceof Error ? error : dailySyncError('rpc', String(error?.message), { code: 'application-error' });
      return this.#reject(group, failure);
    }
    const now = Date.now();
    if (again && data.behind === true) {
      // A successor that never sees that state (its writer left before it arrived) is trusted after a while.
      if (this.#behindSince === 0) this.#behindSince = now;
      else if (now - this.#behindSince > BEHIND_MS) this.#seen = 0;
    }
    const expired = group.filter((entry) => entry.until <= now);
    if (expired.length > 0) {
      const failure = error instanceof Error ? error : dailySyncError('timeout', `ordered().apply() got no answer in ${DEADLINE_MS} ms: ${error?.message}`);
      return this.#reject(expired, failure);
    }
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#pump();
    }, Math.min(1000, 10 * 2 ** this.#tries++));
  }

  /** The orderer's side: applies a caller's batches and writes the result into session data. */
  #serve(from, payload) {
    const [me, leader, present] = this.#roles();
    // What it wrote counts only while it orders, in the same session (not after a rejoin).
    if (me !== this.#servedAs) this.#core.reset();
    this.#servedAs = me;
    if (me === undefined || leader !== me) {
      this.#servedAs = undefined;
      throw retry('this participant does not order: ask the orderer');
    }
    if (!isObject(payload) || !Array.isArray(payload.b)) throw { message: 'a malformed ordered request' };
    const seen = Number(payload.s);
    const r = [];
    let v;
    let failed;
    // One batch at a time, each merged into session data as it is applied: the session data's
    // own size check (exact, as Daily measures) refuses a batch that would pass the limit.
    for (const batch of payload.b) {
      const answer = this.#core.apply(this.#sync.sessionData(), from, [batch], seen, present);
      if (answer.behind) {
        failed = retry('the orderer has not seen the latest state yet', true);
        break;
      }
      let [outcome] = answer.r;
      if (answer.set !== null) {
        const patch = answer.set;
        for (const key of answer.del) patch[key] = undefined;
        try {
          this.#sync.mergeSessionData(patch);
          this.#core.commit();
        } catch (error) {
          this.#core.discard();
          if (error?.kind !== 'payload-too-large') {
            failed = retry(`the orderer could not write: ${error?.message}`);
            break;
          }
          outcome = { kind: error.kind, message: `${error.message}: nothing was applied`, size: error.size, limit: error.limit };
        }
      }
      if (outcome.kind === undefined) v = answer.v;
      r.push(outcome);
    }
    try {
      // At once, not at the DailySync's interval: a change is applied when it is written.
      this.#sync.flushSessionData();
    } catch (error) {
      failed ??= retry(`the orderer could not write: ${error?.message}`);
    }
    if (failed !== undefined) throw failed;
    return { r, v };
  }

  /** @internal stops answering and rejects what is queued (its DailySync's dispose()). */
  static close(ordered) {
    ordered.#close();
  }

  #close() {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#timer);
    try {
      this.#off();
    } catch {
      // the request and response closed first
    }
    const queued = this.#queue.splice(0);
    const error = dailySyncError('disposed', 'the DailySync was disposed before the change was applied');
    for (const entry of queued) entry.reject(error);
    this.#core.free();
  }
}

/** The ordered state of `sync` (one per DailySync), closed when `sync` is disposed. */
export function orderedOf(sync) {
  const shared = sharedOf(sync);
  if (shared.ordered === undefined) {
    const ordered = new OrderedState(sync, shared);
    shared.ordered = ordered;
    shared.own(() => {
      shared.ordered = undefined;
      OrderedState.close(ordered);
    });
  }
  return shared.ordered;
}
