// Figure 3: session data at 60 Hz for 10 s, in virtual time, through DailySync's throttle, a plain-JS
// throttle, and straight to the call object.
import { StubCall } from '/bench/stub-call.js';
import { check, interleave, lib, sessionState, virtualClock } from './common.js';

// ---------------------------------------------------------------------------------------------
// 3. Session data at 60 Hz for 10 s: the throttle vs calling setMeetingSessionData each time

/**
 * The throttle an app writes by hand, with the same behaviour as DailySync's where it counts here:
 * a send on the leading edge and one on the trailing edge of each interval, shallow-merges
 * squashed (`{ ...a, ...b }`), a replace making the batch a replace. No size check, no local view,
 * no confirmation of what the room echoes.
 */
function plainThrottle(call, interval) {
  let pending = null;
  let strategy = null;
  let last = -Infinity;
  let timer = null;
  const send = () => {
    timer = null;
    if (pending === null) return;
    call.setMeetingSessionData(pending, strategy);
    pending = null;
    strategy = null;
    last = Date.now();
  };
  const schedule = () => {
    const wait = last + interval - Date.now();
    if (wait <= 0) send();
    else if (timer === null) timer = setTimeout(send, wait);
  };
  return {
    setSessionData(state) {
      pending = state;
      strategy = 'replace';
      schedule();
    },
    mergeSessionData(patch) {
      pending = { ...(pending ?? {}), ...patch };
      strategy ??= 'shallow-merge';
      schedule();
    },
    dispose() {
      if (timer !== null) clearTimeout(timer);
      send();
    },
  };
}

export async function sessionData({ rounds = 15, updates = 600, hz = 60, size = 10240 } = {}) {
  const base = sessionState(size);
  check(JSON.stringify(base).length === size, 'the base state is 10 KB');
  // An app's new state each frame: a fresh object sharing the unchanged parts (immutable updates).
  const replaces = Array.from({ length: updates }, (_, i) => ({ ...base, cursor: { x: i, y: 600 - i }, round: 3 + (i >> 6) }));
  const patches = Array.from({ length: updates }, (_, i) => ({ cursor: { x: i, y: 600 - i }, speaker: `p-${i % 12}-5d7a4b9e` }));
  const period = 1000 / hz;
  const info = { updates, hz, size, sends: {} };

  /**
   * One 10 s run in virtual time; the CPU time of the calls and of the timers they set. `throttled`:
   * false (a direct call each time), true (DailySync) or 'plain' (a plain-JS throttle).
   */
  function run(name, mode, throttled, { echo = true } = {}) {
    const call = new StubCall({ echo });
    if (mode === 'merge') call.setMeetingSessionData(base, 'replace'); // the room's state
    const clock = virtualClock();
    try {
      // Default interval: 1000 ms.
      const sync = throttled === 'plain' ? plainThrottle(call, 1000) : throttled ? new lib.DailySync(call) : null;
      const sentBefore = call.sent['set-session-data'] ?? 0;
      const start = clock.now();
      const t0 = performance.now();
      for (let i = 0; i < updates; i++) {
        clock.advanceTo(start + i * period);
        if (mode === 'replace') {
          if (throttled) sync.setSessionData(replaces[i]);
          else call.setMeetingSessionData(replaces[i], 'replace');
        } else if (throttled) sync.mergeSessionData(patches[i]);
        else call.setMeetingSessionData(patches[i], 'shallow-merge');
      }
      // The trailing send, and (without the echo) the expiry of what was sent unconfirmed (5 s).
      clock.advanceTo(start + updates * period + 7000);
      const ms = performance.now() - t0;
      check(clock.pending() === 0, `${name}: no timer left`);
      const sends = (call.sent['set-session-data'] ?? 0) - sentBefore;
      info.sends[name] = sends;
      // The room ends in the same state either way.
      const want = mode === 'replace' ? replaces[updates - 1] : { ...base, ...patches[updates - 1] };
      check(JSON.stringify(call.meetingSessionState().data) === JSON.stringify(want), `${name}: the room's final state`);
      if (throttled) {
        check(sends >= 10 && sends <= 13, `${name}: ${sends} sends in 10 s at a 1000 ms interval`);
        sync.dispose();
      } else {
        check(sends === updates, `${name}: one send per update`);
      }
      return ms;
    } finally {
      clock.restore();
    }
  }
  // Each write runs four ways: straight to the stub, through DailySync's throttle, through the
  // plain-JS throttle, and (not a figure) through DailySync's without the call machine's echo.
  const fourWays = (mode) =>
    interleave(
      {
        direct: () => run(`${mode}-direct`, mode, false),
        throttled: () => run(`${mode}-throttled`, mode, true),
        plainThrottled: () => run(`${mode}-plain-throttle`, mode, 'plain'),
        throttledNoEcho: () => run(`${mode}-throttled-no-echo`, mode, true, { echo: false }),
      },
      { rounds, label: `sessionData-${mode}` },
    );
  const replace = await fourWays('replace');
  const merge = await fourWays('merge');
  return { replace, merge, info };
}
