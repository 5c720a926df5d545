// Page-side helpers of the page tests on local rooms (request and response, ordered state,
// presence, history): every entry loaded, and members of a fresh room made on demand.
// Test helper, not part of the library.
import * as lib from './all-entries.js';

/**
 * Loads every entry and puts on `window`: `lib`; `room(n, options)`, n joined DailySyncs;
 * `member(userName, join, options)`, one; `sleep(ms)`; `until(check, label)`, which throws after
 * `untilTries` checks 10 ms apart; `outcome(promise)`, `{ value }` or the error's `errorFields`.
 * The room is named after `prefix`, new for each page.
 */
export async function install(prefix, { untilTries = 500, errorFields = ['kind', 'code', 'message', 'data'] } = {}) {
  await lib.default();
  const room = `${prefix}-${Math.random()}`;
  const call = (userName) => lib.createLocalCallObject({ room, transport: 'memory', userName });
  window.lib = lib;
  /** `options` is every DailySync's, or a function of its index; joined one at a time, so the first is the longest present (the orderer). */
  window.room = async (n, options) => {
    const calls = Array.from({ length: n }, (_, i) => call(`p${i}`));
    const syncs = calls.map((c, i) => new lib.DailySync(c, typeof options === 'function' ? options(i) : options));
    for (const c of calls) await c.join();
    const ids = calls.map((c) => c.participants().local.session_id);
    return { calls, syncs, ids };
  };
  window.member = async (userName, join = true, options = undefined) => {
    const c = call(userName);
    const sync = new lib.DailySync(c, options);
    if (join) await c.join();
    return { call: c, sync, id: () => c.participants().local.session_id };
  };
  window.sleep = (ms) => new Promise((r) => setTimeout(r, ms));
  window.until = async (check, label) => {
    for (let i = 0; i < untilTries && !check(); i++) await window.sleep(10);
    if (!check()) throw new Error(`timed out: ${label}`);
  };
  window.outcome = (promise) =>
    promise.then(
      (value) => ({ value }),
      (e) => Object.fromEntries(errorFields.map((field) => [field, e[field]])),
    );
}
