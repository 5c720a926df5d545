// `queueUntilJoined`: app messages and session-data writes made before join, checked at once as
// daily-js and the throttle would check them, held, and sent on join (or dropped on leave/dispose).
import { checkPlainObject, readOption } from './checks.js';
import { APP_MESSAGE_LIMIT, MAX_HELD_BEFORE_JOIN, SESSION_DATA_LIMIT } from './constants.js';
import { dailySyncError, invalidArgument, jsonLength, notSerializable, tooLarge } from './errors.js';

/** The most sends and session-data writes `queueUntilJoined` holds before join. */
export const MAX_QUEUED = MAX_HELD_BEFORE_JOIN;

/** Reads `options.queueUntilJoined` (default false). */
export function readQueueOption(options) {
  const queue = readOption(options, 'queueUntilJoined');
  if (queue === undefined) return false;
  if (typeof queue !== 'boolean') throw invalidArgument('options.queueUntilJoined must be a boolean');
  return queue;
}

/** The sends held until join. */
export class JoinQueue {
  #sends = [];

  /** Holds `send` of app message `data`, refused now if daily-js would refuse it. */
  message(data, send) {
    const size = jsonLength(data);
    if (size === undefined) throw notSerializable('the message holds a cycle or a BigInt');
    if (size > APP_MESSAGE_LIMIT) throw tooLarge(size, APP_MESSAGE_LIMIT);
    this.#hold(send);
  }

  /** Holds `send` of session data `data`: a plain object, with a JSON form, in size. */
  sessionData(data, send) {
    checkPlainObject(data);
    let size;
    try {
      size = JSON.stringify(data).length;
    } catch (error) {
      throw notSerializable(error instanceof Error ? error.message : 'JSON.stringify failed');
    }
    if (size > SESSION_DATA_LIMIT) throw tooLarge(size, SESSION_DATA_LIMIT);
    this.#hold(send);
  }

  /** Holds a send, refusing it when the queue is full. */
  #hold(send) {
    if (this.#sends.length >= MAX_QUEUED) {
      throw dailySyncError('not-joined', `not joined: ${MAX_QUEUED} sends already wait for the join; wait for it before sending more`);
    }
    this.#sends.push(send);
  }

  /** Sends what is held, in order; a send that fails is reported and the others still go. */
  sendAll() {
    for (const send of this.#sends.splice(0)) {
      try {
        send();
      } catch (error) {
        console.warn(`daily-sync: a send held until join failed: ${error.message}`);
      }
    }
  }

  /** Drops what is held, saying `why`. */
  drop(why) {
    if (this.#sends.length === 0) return;
    const count = this.#sends.splice(0).length;
    console.warn(`daily-sync: ${why} before join; ${count} held send(s) dropped`);
  }
}
