// Types of the default entry, `daily-sync`. Compiles under `tsc --strict` with lib ES2022 + DOM.
import type { DailySyncError, DailySyncErrorFields, DailySyncErrorKind, DailySyncErrorOf, RpcErrorCode } from './errors.js';

export type { DailySyncError, DailySyncErrorFields, DailySyncErrorKind, DailySyncErrorOf, RpcErrorCode };
export { isDailySyncError } from './errors.js';

/** What `init()` takes: nothing (the wasm beside the module), a URL, bytes, a module, or `{ module_or_path }`. */
export type InitInput =
  | RequestInfo
  | URL
  | Response
  | BufferSource
  | WebAssembly.Module
  | { module_or_path: RequestInfo | URL | Response | BufferSource | WebAssembly.Module };

/**
 * Loads this entry's wasm; call (and await) it once before using DailySync (before it, DailySync
 * throws a 'not-initialized' error). With no argument it fetches the wasm beside the module, or in
 * Node reads it from disk; a second call loads nothing.
 */
export default function init(input?: InitInput | Promise<InitInput>): Promise<unknown>;

/** What DailySync needs of a call object: daily-js's call object, or createLocalCallObject()'s. */
export interface DailyCallLike {
  on(event: any, listener: (event: any) => void): unknown;
  off(event: any, listener: (event: any) => void): unknown;
  sendAppMessage(data: any, to?: string | string[]): unknown;
  setUserData(data: any): Promise<unknown> | unknown;
  setMeetingSessionData(data: any, mergeStrategy?: 'replace' | 'shallow-merge'): unknown;
  meetingSessionState(): { data: unknown; topology: string };
  participants(): Record<string, any>;
  meetingState(): string;
}

/**
 * The payload types of one app, as one type parameter: `new DailySync<Types>(call)`. Each may be
 * an interface or a type alias; a missing one is `unknown` (`Record<string, unknown>` for session data).
 */
export interface SyncTypes {
  appMessage?: unknown;
  userData?: unknown;
  sessionData?: object;
  /** Request and response: each method's `[request, response]` payload types. */
  rpc?: Record<string, [unknown, unknown]>;
  /** Presence: each name's value type. */
  presence?: Record<string, unknown>;
}

/** The presence names of `T` (any string when `T` has none). */
export type PresenceNameOf<T extends SyncTypes> = T extends { presence: infer P } ? keyof P & string : string;
/** The value type of presence `N`. */
export type PresenceValueOf<T extends SyncTypes, N extends string> = T extends { presence: infer P }
  ? N extends keyof P
    ? P[N]
    : never
  : unknown;

/** Options of `sync.presence(name, options)`. */
export interface PresenceOptions {
  /**
   * At most one app message per `intervalMs` (at least 16; default 100) carries the latest value.
   * `'auto'`: 50 ms up to 5 participants, 10 ms more per participant past that, at most 1000 ms.
   */
  intervalMs?: number | 'auto';
  /** A participant whose value is not set again within `staleMs` is gone (default: kept until it leaves). */
  staleMs?: number;
}

/** One name of presence: the local value, and everyone else's. */
export interface Presence<V = unknown> {
  /** Sets the local value; any rate. */
  set(value: V): void;
  /** The others' values, by session id (`updatedAt`: ms, Date.now()'s clock). */
  get(): Map<string, { value: V; updatedAt: number }>;
  /** Calls `fn` on each change; `value` undefined: gone (left, or stale past `staleMs`). */
  onChange(fn: (sessionId: string, value: V | undefined) => void): Unsubscribe;
}

export type AppMessageOf<T extends SyncTypes> = T extends { appMessage: infer A } ? A : unknown;
export type UserDataOf<T extends SyncTypes> = T extends { userData: infer U } ? U : unknown;
/** The methods of `T['rpc']` (any string when `T` has none). */
export type RpcMethodOf<T extends SyncTypes> = T extends { rpc: infer R } ? keyof R & string : string;
/** The request payload of method `M`. */
export type RpcRequestOf<T extends SyncTypes, M extends string> = T extends { rpc: infer R }
  ? M extends keyof R
    ? R[M] extends [infer Q, unknown]
      ? Q
      : never
    : never
  : unknown;
/** The response of method `M`. */
export type RpcResponseOf<T extends SyncTypes, M extends string> = T extends { rpc: infer R }
  ? M extends keyof R
    ? R[M] extends [unknown, infer A]
      ? A
      : never
    : never
  : unknown;

/** Options of `sync.request()` and `sync.requestAll()`. */
export interface RequestOptions {
  /** How long to wait for the answer (default 10000 ms). */
  timeoutMs?: number;
  /** How long to wait for the acknowledgement of receipt (default 2000 ms, at most `timeoutMs`). */
  connectionTimeoutMs?: number;
  /** Aborting it rejects the request with code `cancelled`. */
  signal?: AbortSignal;
}

/** One participant's outcome in `sync.requestAll()`. */
export type RpcOutcome<R> = { ok: true; value: R } | { ok: false; error: DailySyncErrorOf<'rpc'> };

export type SessionDataOf<T extends SyncTypes> = T extends { sessionData: infer S extends object }
  ? S
  : Record<string, unknown>;

/**
 * A Standard Schema (https://standardschema.dev): what zod, valibot, arktype and others implement.
 * DailySync needs only `~standard.validate`.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly '~standard': {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (
      value: unknown,
    ) => StandardSchemaV1.Result<Output> | Promise<StandardSchemaV1.Result<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  };
}

export declare namespace StandardSchemaV1 {
  type Result<Output> = { readonly value: Output; readonly issues?: undefined } | { readonly issues: ReadonlyArray<Issue> };
  interface Issue {
    readonly message: string;
    readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
  }
  type InferOutput<S extends StandardSchemaV1> = NonNullable<S['~standard']['types']>['output'];
}

/** Schemas for what peers send; each optional. */
export interface SyncSchemas {
  appMessage?: StandardSchemaV1;
  userData?: StandardSchemaV1;
  sessionData?: StandardSchemaV1;
  /**
   * Requests, by method (needs `daily-sync/channels`): a request that fails its method's schema
   * never reaches the handler; the caller gets an `application-error` with the issues' messages.
   */
  rpc?: Record<string, StandardSchemaV1>;
  /**
   * Presence values, by name (needs `daily-sync/channels`): a value that fails never reaches
   * `get()` or `onChange`, and the sender's last good value stays.
   */
  presence?: Record<string, StandardSchemaV1>;
}

/** The payload types the schemas give, where no type parameter is given. */
export type TypesFromSchemas<S extends SyncSchemas> = {
  appMessage: S['appMessage'] extends StandardSchemaV1 ? StandardSchemaV1.InferOutput<S['appMessage']> : unknown;
  userData: S['userData'] extends StandardSchemaV1 ? StandardSchemaV1.InferOutput<S['userData']> : unknown;
  sessionData: S['sessionData'] extends StandardSchemaV1
    ? StandardSchemaV1.InferOutput<S['sessionData']> & object
    : Record<string, unknown>;
} & (S['rpc'] extends Record<string, StandardSchemaV1>
  ? {
      /** Each method's request is its schema's output; the response is not checked, so `unknown`. */
      rpc: { [M in keyof S['rpc']]: [StandardSchemaV1.InferOutput<S['rpc'][M]>, unknown] };
    }
  : {}) &
  (S['presence'] extends Record<string, StandardSchemaV1>
    ? { presence: { [N in keyof S['presence']]: StandardSchemaV1.InferOutput<S['presence'][N]> } }
    : {});

/** Options of `new DailySync(call, options)`. */
export interface DailySyncOptions<S extends SyncSchemas = SyncSchemas> {
  /** The least time between two session-data writes, in ms (16 or more; default 1000). */
  sessionDataIntervalMs?: number;
  /**
   * Hold app messages and session-data writes made before `joined-meeting` (each checked at once:
   * size, JSON form, plain object), in order, up to 1000, and send them on join. They are dropped
   * with a warning if the call leaves or the DailySync is disposed first. Default false: a send
   * before join throws `not-joined`, as daily-js does.
   */
  queueUntilJoined?: boolean;
  /**
   * Standard Schemas for peer data. Data that fails never reaches iterators, callbacks,
   * `participants()` or `sessionData()`; it goes to `onInvalid`.
   */
  schemas?: S;
}

/** Peer data that failed its schema. */
export interface InvalidPeerData {
  source: 'app-message' | 'user-data' | 'session-data' | 'rpc' | 'presence';
  /** With source 'rpc': the method of the request. */
  method?: string;
  /** With source 'presence': the presence name. */
  name?: string;
  /** The sender's session id (undefined for session data, which has no single sender). */
  fromId: string | undefined;
  /** The data as it arrived. */
  data: unknown;
  issues: ReadonlyArray<StandardSchemaV1.Issue>;
}

/** Who receives an app message: `'*'` (everyone else), a session id, or a list of them. */
export type Recipient = '*' | (string & {}) | readonly string[];

/** An app message as received. */
export interface AppMessage<T = unknown> {
  data: T;
  /** The sender's session id. */
  fromId: string;
}

/** A participant, with only the fields apps read. */
export interface Participant<U = unknown> {
  sessionId: string;
  userId: string;
  userName: string;
  local: boolean;
  owner: boolean;
  userData: U | undefined;
}

/** A join, an update or a leave. */
export interface ParticipantEvent<U = unknown> {
  action: 'joined' | 'updated' | 'left';
  participant: Participant<U>;
}

/** The network topology, as daily-js names it. */
export type Topology = 'sfu' | 'peer' | 'none';

/** The room-wide state, each time it arrives: `data` is the local view (pending local changes applied). */
export interface SessionState<S = Record<string, unknown>> {
  data: S;
  topology: Topology;
}

/** A session-data patch: each key set, or deleted with `undefined`. */
export type SessionPatch<S> = { [K in keyof S]?: S[K] | undefined };

/** The function that ends a subscription; calling it twice does nothing. */
export type Unsubscribe = () => void;

/** `[Symbol.dispose]` where the TypeScript lib knows it (ESNext.Disposable), so `using` works. */
type DisposeKey = SymbolConstructor extends { readonly dispose: infer K extends symbol } ? K : never;
type Disposable = { [K in DisposeKey]: () => void };

/** Syncs app data over one daily-js call object (or a local one). */
export interface DailySync<T extends SyncTypes = {}> extends Disposable {
  /** Sends an ephemeral message to `'*'` (everyone else), one session id, or a list of them. */
  sendAppMessage(data: AppMessageOf<T>, to?: Recipient): void;
  /** An async iterator of app messages; `break` or `return()` unsubscribes. */
  appMessages(): AsyncIterableIterator<AppMessage<AppMessageOf<T>>>;
  /** Calls `fn` for each app message. */
  onAppMessage(fn: (message: AppMessage<AppMessageOf<T>>) => void): Unsubscribe;

  /** Sets the local participant's userData (`undefined` removes it); allowed before join. */
  setUserData(data: UserDataOf<T> | undefined): Promise<void>;
  /** Everyone in the call, the local participant included. */
  participants(): Participant<UserDataOf<T>>[];
  /** An async iterator of participants as they change. */
  participantUpdates(): AsyncIterableIterator<Participant<UserDataOf<T>>>;
  /** Calls `fn` for each participant update. */
  onParticipantUpdate(fn: (participant: Participant<UserDataOf<T>>) => void): Unsubscribe;
  /** An async iterator of joins, updates and leaves. */
  participantEvents(): AsyncIterableIterator<ParticipantEvent<UserDataOf<T>>>;
  /** Calls `fn` on each join, update and leave. */
  onParticipantEvent(fn: (event: ParticipantEvent<UserDataOf<T>>) => void): Unsubscribe;

  /** Replaces the room-wide state, throttled: at most one write per interval, the last always sent. */
  setSessionData(data: SessionDataOf<T>): void;
  /** Shallow-merges `patch` into the room-wide state, throttled; a key set to `undefined` is deleted. */
  mergeSessionData(patch: SessionPatch<SessionDataOf<T>>): void;
  /** Sends pending session data now, whatever the interval. */
  flushSessionData(): void;
  /** The local view of the room-wide state: the room's state (the call object's `meetingSessionState()`, read when asked) with pending local changes applied. */
  sessionData(): Partial<SessionDataOf<T>>;
  /** An async iterator of the room-wide state each time it arrives. */
  sessionStates(): AsyncIterableIterator<SessionState<Partial<SessionDataOf<T>>>>;
  /** Calls `fn` each time the room-wide state arrives. */
  onSessionState(fn: (state: SessionState<Partial<SessionDataOf<T>>>) => void): Unsubscribe;

  /** Calls `fn` for each piece of peer data that failed its schema. */
  onInvalid(fn: (invalid: InvalidPeerData) => void): Unsubscribe;

  /** The channel `name` of `M` messages (needs `daily-sync/channels`, loaded with its `init()`). */
  channel<M = unknown>(name: string, options?: ChannelOptions): Channel<M>;

  /**
   * Makes `fn` answer requests for `method` (needs `daily-sync/channels`): its return value (or
   * what its promise resolves with) is the answer; what it throws reaches the caller as an
   * `application-error`. Returns what unregisters it.
   */
  handle<M extends RpcMethodOf<T>>(
    method: M,
    fn: (payload: RpcRequestOf<T, M>, context: { fromId: string }) => RpcResponseOf<T, M> | Promise<RpcResponseOf<T, M>>,
  ): Unsubscribe;
  /** Asks participant `sessionId` (needs `daily-sync/channels`); rejects with kind 'rpc' and a `code`. */
  request<M extends RpcMethodOf<T>>(
    sessionId: string,
    method: M,
    payload: RpcRequestOf<T, M>,
    options?: RequestOptions,
  ): Promise<RpcResponseOf<T, M>>;
  /** Asks every other participant at once (needs `daily-sync/channels`): each one's outcome, by session id. */
  requestAll<M extends RpcMethodOf<T>>(
    method: M,
    payload: RpcRequestOf<T, M>,
    options?: RequestOptions,
  ): Promise<Map<string, RpcOutcome<RpcResponseOf<T, M>>>>;

  /**
   * Ordered room state (needs `daily-sync/ordered`): changes to session-data keys that go through
   * one participant, applied one batch at a time, so concurrent changes never lose each other.
   */
  ordered(): OrderedState<SessionDataOf<T>>;

  /**
   * The presence `name` (needs `daily-sync/channels`): state that changes many times a second,
   * latest wins. One per name and DailySync; the options of the first call hold.
   */
  presence<N extends PresenceNameOf<T>>(name: N, options?: PresenceOptions): Presence<PresenceValueOf<T, N>>;

  /** Sends pending session data, ends every iterator and removes every listener it added. */
  dispose(): void;
  /** The same as `dispose()`. */
  free(): void;
  /** Whether `dispose()` was called. */
  readonly disposed: boolean;
}

export declare const DailySync: {
  /** `new DailySync(call, options)` with no types and no schemas: payloads are `unknown`. */
  new (call: DailyCallLike, options?: DailySyncOptions<never>): DailySync;
  /**
   * `new DailySync<Types>(call, options)`; without a type parameter, the types come from
   * `options.schemas` (and are `unknown` where there is none).
   */
  new <T extends SyncTypes = never, S extends SyncSchemas = {}>(
    call: DailyCallLike,
    options?: DailySyncOptions<S>,
  ): DailySync<[T] extends [never] ? TypesFromSchemas<S> : T>;
  readonly prototype: DailySync<any>;
};

/** The keys of `S` whose values may be a `V`. */
type KeysWith<S, V> = { [K in keyof S & string]-?: NonNullable<S[K]> extends V ? K : never }[keyof S & string];
type ItemOf<V> = V extends readonly (infer I)[] ? I : never;

/** An op on session data of unknown shape. */
type AnyOrderedOp =
  | { op: 'set'; key: string; value: unknown }
  | { op: 'delete'; key: string }
  | { op: 'increment'; key: string; by?: number }
  | { op: 'push'; key: string; value: unknown; max?: number }
  | { op: 'remove'; key: string; value: unknown };

/**
 * One change of `sync.ordered().apply(ops)` to a top-level session-data key (keys starting with `$`
 * are the library's). `increment`: `by` defaults to 1, a missing key counts from 0, a value that is
 * not a number refuses the batch. `push`: appends (a missing key starts an array); past `max` items
 * the oldest are dropped. `remove`: drops every array item deep-equal to `value`. Typed by the
 * DailySync's `sessionData` type: `increment` only number keys, `push`/`remove` only array keys.
 */
export type OrderedOp<S extends object = Record<string, unknown>> = string extends keyof S
  ? AnyOrderedOp
  :
      | { [K in keyof S & string]-?: { op: 'set'; key: K; value: S[K] } }[keyof S & string]
      | { op: 'delete'; key: keyof S & string }
      | { op: 'increment'; key: KeysWith<S, number>; by?: number }
      | { [K in KeysWith<S, readonly unknown[]>]-?: { op: 'push'; key: K; value: ItemOf<NonNullable<S[K]>>; max?: number } }[KeysWith<S, readonly unknown[]>]
      | { [K in KeysWith<S, readonly unknown[]>]-?: { op: 'remove'; key: K; value: ItemOf<NonNullable<S[K]>> } }[KeysWith<S, readonly unknown[]>];

/**
 * `sync.ordered()`: changes applied by one participant (the longest present), one batch at a time,
 * into session data.
 */
export interface OrderedState<S extends object = Record<string, unknown>> {
  /**
   * Applies the batch `ops`, whole or not at all, exactly once. Resolves once the orderer has
   * applied it and handed the result to session data, with the values of the keys the batch
   * names as they stand right after it (a deleted key is left out; a retried batch the orderer had
   * applied already gets them as they stand now). Rejects with kind `invalid-argument` (a bad op:
   * checked before sending and by the orderer; nothing applied), `not-serializable` (no JSON form),
   * `payload-too-large` (the session data would pass 102400 characters; nothing applied),
   * `not-joined`, `disposed`, or, when no orderer answered within 30 s, `rpc` or `timeout` (then
   * it may or may not have been applied).
   */
  apply(ops: readonly OrderedOp<S>[]): Promise<Partial<S>>;
}

/** Options of `sync.channel(name, options)`. */
export interface ChannelOptions {
  /** The largest message, in JSON.stringify characters (default 1 MiB); the same on every end. */
  maxSize?: number;
  /**
   * Keep the last `history` broadcast messages (up to 10000; default none): a member that opens the
   * channel late, or joins after they were sent, gets them first, each `replay: true`.
   */
  history?: number;
}

/** A message of a channel. */
export interface ChannelMessage<T = unknown> {
  data: T;
  fromId: string;
  /** The sender's sequence number on this channel, from 0. */
  seq: number;
  /** Present (true) on a message of the channel's history, replayed to a member that came late. */
  replay?: true;
}

/** Messages of a sender that will not arrive. */
export interface ChannelGap {
  fromId: string;
  first: number;
  last: number;
}

/** A named channel of messages of any size up to its `maxSize`, ordered per sender. */
export interface Channel<T = unknown> {
  readonly name: string;
  /** Resolves once every chunk is handed to the call object. */
  send(data: T, to?: Recipient): Promise<void>;
  messages(): AsyncIterableIterator<ChannelMessage<T>>;
  onMessage(fn: (message: ChannelMessage<T>) => void): Unsubscribe;
  gaps(): AsyncIterableIterator<ChannelGap>;
  onGap(fn: (gap: ChannelGap) => void): Unsubscribe;
  /** Ends the channel's iterators and callbacks; its DailySync's dispose() calls it. */
  close(): void;
}
