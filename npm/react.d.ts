// Types of `daily-sync/react` (React 18 or 19).
import type { ReactElement, ReactNode } from 'react';
import type {
  AppMessage,
  AppMessageOf,
  Channel,
  ChannelMessage,
  ChannelOptions,
  DailyCallLike,
  DailySync,
  DailySyncOptions,
  OrderedOp,
  Participant,
  PresenceNameOf,
  PresenceOptions,
  PresenceValueOf,
  RpcMethodOf,
  RpcRequestOf,
  RpcResponseOf,
  SessionDataOf,
  SessionPatch,
  SyncTypes,
  UserDataOf,
} from './index.js';

export interface DailySyncProviderProps {
  /** A daily-js call object (daily-react's `useDaily()` gives one), or a local one. */
  call: DailyCallLike;
  /** Read when the DailySync is made (when `call` changes). */
  options?: DailySyncOptions;
  children?: ReactNode;
}

/** Makes one DailySync for `call`, disposes it on unmount, and renders `children` once it exists. */
export declare function DailySyncProvider(props: DailySyncProviderProps): ReactElement | null;

/** The DailySync of the nearest DailySyncProvider. */
export declare function useDailySync<T extends SyncTypes = {}>(): DailySync<T>;

/** Calls the latest `fn` with each app message; subscribes once. */
export declare function useAppMessage<T extends SyncTypes = {}>(fn: (message: AppMessage<AppMessageOf<T>>) => void): void;

/** Everyone in the call; re-renders on joins, updates and leaves. */
export declare function useParticipants<T extends SyncTypes = {}>(): Participant<UserDataOf<T>>[];
/** The participant `sessionId` (undefined while not in the call); re-renders only when it changes. */
export declare function useParticipant<T extends SyncTypes = {}>(sessionId: string): Participant<UserDataOf<T>> | undefined;
/**
 * `[others, set]` of the presence `name` (needs `daily-sync/channels`): the others' values by
 * session id, and the setter (any rate).
 */
export declare function usePresence<T extends SyncTypes = {}, N extends PresenceNameOf<T> = PresenceNameOf<T>>(
  name: N,
  options?: PresenceOptions,
): [Map<string, { value: PresenceValueOf<T, N>; updatedAt: number }>, (value: PresenceValueOf<T, N>) => void];

/** What `useSessionData` returns beside the data. */
export interface SessionDataActions<S> {
  set(state: S): void;
  merge(patch: SessionPatch<S>): void;
  flush(): void;
}

/** The local view of the session data (pending changes included), and its writes. */
export declare function useSessionData<T extends SyncTypes = {}>(): [
  Partial<SessionDataOf<T>>,
  SessionDataActions<SessionDataOf<T>>,
];

/**
 * `[data, apply]` of ordered room state (needs `daily-sync/ordered` loaded): the session data,
 * re-rendering when it changes, and `apply(ops)`, which resolves once the batch is applied (with
 * the keys it changed, as they stand) and rejects, applying nothing, when an op is bad.
 */
export declare function useOrdered<T extends SyncTypes = {}>(): [
  Partial<SessionDataOf<T>>,
  (ops: readonly OrderedOp<SessionDataOf<T>>[]) => Promise<Partial<SessionDataOf<T>>>,
];

/** The channel `name` (needs `daily-sync/channels` loaded); calls the latest `fn` with each message. */
export declare function useChannel<M = unknown>(
  name: string,
  fn?: (message: ChannelMessage<M>) => void,
  options?: ChannelOptions,
): Channel<M>;

/**
 * Makes the latest `fn` answer requests for `method` (needs `daily-sync/channels` loaded): one
 * registration per DailySync and method, removed on unmount. A second handler for the same method
 * on the same DailySync (another component) throws 'invalid-argument'. Typed by the app's types
 * and the method: `useRpcHandler<Types, 'stage.invite'>('stage.invite', fn)`.
 */
export declare function useRpcHandler<T extends SyncTypes = {}, M extends RpcMethodOf<T> = RpcMethodOf<T>>(
  method: M,
  fn: (payload: RpcRequestOf<T, M>, context: { fromId: string }) => RpcResponseOf<T, M> | Promise<RpcResponseOf<T, M>>,
): void;
