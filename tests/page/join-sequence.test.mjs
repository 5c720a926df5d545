// The project's two imitations of a Daily call, held to one account of it: the local room, and the
// real daily-js joined to the call-machine stand-in (tests/js/daily-stand-in/). A late joiner must
// get the same sequence of events (joined-meeting with the local participant alone, a
// participant-joined for each one already there, the room's state) with the same shapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { browser, openPage, serveRepository, server } from './harness.mjs';

serveRepository();

/** In the page: two call objects from `make`, the first with state and userData, then the late joiner's events. */
async function lateJoin(page, kind) {
  return page.evaluate(async (kind) => {
    let make;
    if (kind === 'local') {
      const { createLocalCallObject } = await import('/pkg/local.js');
      const room = `sequence-${Math.random()}`;
      make = () => createLocalCallObject({ room, transport: 'memory', sessionDataSyncMs: 20 });
    } else {
      const Daily = await (await import('/tests/page/fixtures/daily-js.js')).loadDaily();
      const { createStandInCallObject, STAND_IN_ROOM_URL } = await import('/tests/js/daily-stand-in/joined.js');
      make = () => Object.assign(createStandInCallObject(Daily), { url: STAND_IN_ROOM_URL });
    }
    const until = async (check) => {
      for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 20));
    };
    const first = make();
    await first.join({ url: first.url ?? 'https://example.daily.co/sequence', userName: 'first' });
    first.setMeetingSessionData({ topic: 'intro' });
    await first.setUserData({ hand: true });
    await until(() => first.meetingSessionState().data.topic === 'intro');

    const late = make();
    const events = [];
    for (const name of ['joined-meeting', 'participant-joined', 'meeting-session-state-updated']) {
      late.on(name, (e) => events.push(e));
    }
    const resolved = await late.join({ url: late.url ?? 'https://example.daily.co/sequence', userName: 'late' });
    await until(() => events.some((e) => e.action === 'meeting-session-state-updated'));
    const shape = (p) => ({
      keys: Object.keys(p).filter((k) => !['audioTrack', 'videoTrack', 'screenVideoTrack', 'screenAudioTrack', 'participantType'].includes(k)).sort(),
      tracks: Object.fromEntries(Object.entries(p.tracks).map(([k, t]) => [k, { state: t.state, off: t.off }])),
      joinedAtIsDate: p.joined_at instanceof Date,
      userData: p.userData,
      local: p.local,
    });
    const out = {
      resolvedKeys: Object.keys(resolved ?? {}),
      sequence: events.map((e) => e.action),
      joinedMeeting: Object.keys(events[0]?.participants ?? {}),
      localShape: shape(events[0].participants.local),
      remoteShape: shape(events.find((e) => e.action === 'participant-joined').participant),
      state: events.find((e) => e.action === 'meeting-session-state-updated').meetingSessionState,
    };
    await late.leave();
    await first.leave();
    return out;
  }, kind);
}

test('a late joiner gets the same join sequence and participant shape on the local room and on daily-js over the stand-in', { timeout: 60_000 }, async () => {
  const { page, errors } = await openPage(browser, `${server.url}/tests/page/fixtures/blank.html`);
  try {
    const local = await lateJoin(page, 'local');
    const standIn = await lateJoin(page, 'stand-in');
    for (const [name, r] of Object.entries({ local, standIn })) {
      assert.deepEqual(r.sequence, ['joined-meeting', 'participant-joined', 'meeting-session-state-updated'], name);
      assert.deepEqual(r.joinedMeeting, ['local'], name);
      assert.deepEqual(r.resolvedKeys, ['local'], `${name}: join() resolves with the local participant`);
      assert.deepEqual(r.state, { data: { topic: 'intro' }, topology: 'none' }, name);
      assert.deepEqual(r.remoteShape.userData, { hand: true }, name);
      const off = { state: 'off', off: { byUser: true } };
      assert.deepEqual(r.remoteShape.tracks, { audio: off, video: off, screenAudio: off, screenVideo: off }, name);
      assert.ok(r.remoteShape.joinedAtIsDate && !r.remoteShape.local && r.localShape.local, name);
    }
    assert.deepEqual(local.remoteShape.keys, standIn.remoteShape.keys, 'the same participant fields');
    assert.deepEqual(local.localShape.keys, standIn.localShape.keys, 'the same local participant fields');
    assert.deepEqual(errors, []);
  } finally {
    await page.context().close();
  }
});
