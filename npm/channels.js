// The `daily-sync/channels` entry: typed, chunked, ordered messages past daily-js's 4096-character
// limit. The chunk codec and the reassembler are Rust (src/js/channel.rs), in this entry's own wasm.
//
//   import initChannels, { channel } from 'daily-sync/channels';
//   await initChannels();
//   const chat = sync.channel('chat');          // or channel(sync, 'chat')
import wasmInit, { ChannelCore } from './wasm/channels/daily_sync.js';
import { checkCallback } from './checks.js';
import { dailySyncError, invalidArgument } from './errors.js';
import { Subscriptions, fanOut, followPeers, listenGuarded } from './hub.js';
import { initWith, registry, requireInit, sharedOf } from './registry.js';
import { presenceOf } from './presence.js';
import { rpcOf } from './rpc.js';

/**
 * Loads this entry's wasm (in Node, from disk); after it, `sync.channel(name)` works on every
 * DailySync. A second call loads nothing.
 */
export default async function init(input) {
  const loaded = await initWith(wasmInit, input, new URL('./wasm/channels/daily_sync_bg.wasm', import.meta.url));
  registry.channel = channel;
  registry.rpc ??= rpcOf;
  registry.presence = presenceOf;
  return loaded;
}

const NOT_INITIALIZED =
  "daily-sync/channels is not initialized: import initChannels from 'daily-sync/channels' and await initChannels() before channel()";

const isObject = (value) => value !== null && typeof value === 'object';

/** A named channel of messages of any size up to its `maxSize`, ordered per sender. */
export class Channel {
  #core;
  #name;
  #live;
  #messages = [];
  #gaps = [];
  #subscriptions = new Subscriptions();
  #closed = false;
  #onClose;

  /** Use `channel(sync, name, options)` or `sync.channel(name, options)`. */
  constructor(core, name, live, onClose) {
    requireInit(wasmInit, NOT_INITIALIZED);
    this.#core = core;
    this.#name = name;
    this.#live = live;
    this.#onClose = onClose;
  }

  /** @internal what the Rust core calls with each delivery (`replay`: a message of the history). */
  static deliverTo(channel) {
    return (fromId, seq, data, last, replay) => {
      if (replay) fanOut(channel.#messages, { data, fromId, seq, replay }, 'channel message');
      else if (last === undefined) fanOut(channel.#messages, { data, fromId, seq }, 'channel message');
      else fanOut(channel.#gaps, { fromId, first: seq, last }, 'channel gap');
    };
  }

  /** The channel's name. */
  get name() {
    return this.#name;
  }

  #check() {
    if (this.#closed) throw dailySyncError('disposed', 'this channel was closed with its DailySync');
    this.#live();
  }

  /** Sends `data` to `'*'`, a session id or a list of them; resolves once every chunk is handed to the call object. */
  send(data, to) {
    try {
      this.#check();
      this.#core.send(data, to);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** A feed for Subscriptions: adds a sink to `list`, and returns what removes it. */
  #feed(list) {
    this.#check();
    return (sink) => {
      list.push(sink);
      return () => {
        const at = list.indexOf(sink);
        if (at >= 0) list.splice(at, 1);
      };
    };
  }

  #iterate(list) {
    return this.#subscriptions.iterate(this.#feed(list));
  }

  /** An async iterator of `{ data, fromId, seq }`, in order per sender; `break` unsubscribes. */
  messages() {
    return this.#iterate(this.#messages);
  }

  /** Calls `fn({ data, fromId, seq })` for each message; returns the function that unsubscribes. */
  onMessage(fn) {
    checkCallback(fn);
    return this.#subscriptions.on(this.#feed(this.#messages), (item) => fn(item));
  }

  /** An async iterator of `{ fromId, first, last }`: messages of a sender that will not arrive. */
  gaps() {
    return this.#iterate(this.#gaps);
  }

  /** Calls `fn({ fromId, first, last })` for each gap; returns the function that unsubscribes. */
  onGap(fn) {
    checkCallback(fn);
    return this.#subscriptions.on(this.#feed(this.#gaps), (item) => fn(item));
  }

  /** Stops the channel: its iterators end, its listeners go. Its DailySync's dispose() calls it. */
  close() {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose();
    this.#subscriptions.stopAll();
    this.#core.close();
    this.#core.free();
  }
}

/**
 * `options.maxSize` and `options.history` (undefined: the defaults), read once; a bad or unreadable
 * one is refused.
 */
function optionsOf(options) {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object') throw invalidArgument('options must be an object');
  let maxSize;
  let history;
  try {
    ({ maxSize, history } = options);
  } catch {
    throw invalidArgument('options cannot be read');
  }
  if (maxSize !== undefined && !(typeof maxSize === 'number' && Number.isFinite(maxSize) && maxSize >= 1)) {
    throw invalidArgument('options.maxSize must be a number, at least 1');
  }
  if (history !== undefined && !(Number.isInteger(history) && history >= 0 && history <= MAX_HISTORY)) {
    throw invalidArgument(`options.history must be a whole number, 0 to ${MAX_HISTORY}`);
  }
  return { maxSize, history };
}

/** The most messages a channel's history keeps. */
const MAX_HISTORY = 10000;

/**
 * Those in the call before this member, the longest present first: whom it asks for the history.
 * (daily-js lists them only after `joined-meeting`, as their `participant-joined` events come.)
 */
function byAge(call) {
  const all = call.participants() ?? {};
  const time = (p) => (p.joined_at instanceof Date ? p.joined_at.getTime() : Number(p.joined_at) || 0);
  const mine = (isObject(all.local) && time(all.local)) || Infinity;
  return Object.values(all)
    .filter((p) => isObject(p) && !p.local && typeof p.session_id === 'string' && time(p) < mine)
    .sort((a, b) => time(a) - time(b) || (a.session_id < b.session_id ? -1 : 1))
    .map((p) => p.session_id);
}

/**
 * Gives `core` a history of `size` messages: this member answers late members with it, and, once
 * in the call, fetches what was sent before it came, replayed before the live messages. Whom it
 * asks follows the Rust core's rule (src/channel/history.rs, History::ask): the first of `byAge`
 * not asked yet, one at a time, none once one gave it, looked for on join, at each
 * `participant-joined` and after each answer; live messages are held while a peer is asked, and go
 * out when nobody is left to ask. Returns what stops it.
 */
function keepHistory(sync, call, name, core, size) {
  core.keepHistory(size);
  const rpc = rpcOf(sync);
  const method = `$history:${name}`;
  const offHandler = rpc.handle(method, () => core.history());
  const asked = new Set();
  let open = true;
  let asking = false;
  let got = false;
  const answered = (entries) => {
    asking = false;
    if (!open) return;
    // Not an array: this peer had none, failed or left; the next one.
    if (!Array.isArray(entries)) return ask();
    got = true;
    core.replayed(entries);
  };
  const ask = () => {
    if (!open || asking || got) return;
    const peer = byAge(call).find((id) => !asked.has(id));
    if (peer === undefined) return core.replayed(); // nobody to ask: what was held goes out
    asked.add(peer);
    asking = true;
    core.startFetch();
    // async: a request that throws at once is an answer of nothing, too.
    (async () => rpc.request(peer, method, undefined, { timeoutMs: 10000 }))().then(answered, () => answered());
  };
  const offs = ['joined-meeting', 'participant-joined'].map((event) => listenGuarded(call, event, ask));
  if (call.meetingState() === 'joined-meeting') ask();
  return () => {
    open = false;
    for (const off of offs) off();
    offHandler();
  };
}

/** The channel `name` of `sync` (one per name and DailySync), closed when `sync` is disposed. */
export function channel(sync, name, options) {
  requireInit(wasmInit, NOT_INITIALIZED);
  const shared = sharedOf(sync);
  // The options are checked whether or not the channel is already open, so a bad one never
  // passes because an earlier call opened the channel.
  const { maxSize, history } = optionsOf(options);
  const { channels } = shared;
  const existing = channels.get(name);
  if (existing !== undefined) return existing;
  let deliver = null;
  const core = new ChannelCore(shared.call, name, maxSize, (...delivery) => deliver(...delivery));
  // Only app messages that carry a chunk of this channel cross into wasm.
  let offs;
  try {
    offs = followPeers(shared.call, (data) => data.c === name, {
      receive: (e) => core.receive(e),
      joined: (participant) => core.joined(participant),
      left: (id) => core.left(id),
    });
  } catch (error) {
    core.free();
    throw error;
  }
  const made = new Channel(core, name, shared.live, () => {
    for (const off of offs) off();
    forget();
    if (channels.get(name) === made) channels.delete(name);
  });
  deliver = Channel.deliverTo(made);
  const forget = shared.own(() => made.close());
  channels.set(name, made);
  if (history) {
    try {
      offs.push(keepHistory(sync, shared.call, name, core, history));
    } catch (error) {
      made.close();
      throw error;
    }
  }
  return made;
}
