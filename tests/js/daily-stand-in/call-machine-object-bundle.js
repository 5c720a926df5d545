/*
 * TEST FIXTURE, NOT PART OF THE daily-sync LIBRARY.
 *
 * A stand-in for Daily's "call machine" bundle, so that the REAL daily-js
 * (tested with 0.92.2) can join a room without any network. It imitates
 * Daily's internal, undocumented daily-js <-> call-machine protocol only as far
 * as daily-sync's tests need: join/leave, participants, user data/name, app
 * messages and meeting session data. No media, no server, no tokens.
 *
 * Use: Daily.createCallObject({ allowMultipleCallInstances: true,
 *        dailyConfig: { bundlePathOverride: '<url of this folder>' } })
 * (or the helpers in ./joined.js). daily-js fetches this file and evaluates it
 * (with Function(); or a <script> tag if dailyConfig.avoidEval), once per call
 * object, after pushing the call object's id onto window._daily.pendings.
 *
 * Protocol (window.postMessage, all messages {what: 'iframe-call-message',
 * callClientId, action, ...}): daily-js -> machine carry from: 'module'; the
 * machine answers with from: 'embedded'. A request carrying `callbackStamp`
 * is answered by a message carrying the same stamp.
 *
 * All call objects of one page share ONE room (state on window.__dailyStandIn).
 * Behaviour:
 *  - on adoption, posts `call-machine-initialized` (daily-js only forwards
 *    setUserData() to an initialized machine), and again on reset() (re-join
 *    after leave() reuses the loaded machine).
 *  - join-meeting: new session id; the others get `participant-joined`; then
 *    the joiner gets, as from Daily, `joined-meeting` {participants: {local}}
 *    (which resolves join()), a `participant-joined` for each participant
 *    already there, and `meeting-session-state-updated` with the room's state:
 *    the sequence the local room follows too (tests/page/join-sequence.test.mjs
 *    holds the two to it). So once join() resolves, every call object of the
 *    page already knows the joiner.
 *  - participants have daily-js's whole shape as a participant with no devices
 *    has it: every track 'off' ({byUser: true}), every permission.
 *  - app-msg {data, to}: `app-message` {data, fromId} to '*' = all but the
 *    sender, or to the given session id(s) (never echoed to the sender).
 *  - set-user-data / set-user-name: `participant-updated` to everyone (the
 *    sender sees itself with local: true), then the stamped reply.
 *  - set-session-data {data, mergeStrategy}: 'replace' or 'shallow-merge' (a
 *    key whose value is undefined is deleted), then
 *    `meeting-session-state-updated` {meetingSessionState: {data, topology:
 *    'none'}} to everyone. The data is dropped when the room empties.
 *  - leave-meeting: `participant-left` to the others, `left-meeting` to the leaver.
 *  Data goes through JSON on the way, as it does over Daily's servers.
 *  Every action received is recorded in window.__dailyStandIn.log
 *  ({callClientId, action, handled}) for debugging; unknown ones are ignored.
 */
(function () {
  'use strict';

  var standIn = window.__dailyStandIn;
  if (!standIn) {
    standIn = window.__dailyStandIn = {
      machines: {}, // callClientId -> { sessionId: string | null }
      participants: {}, // sessionId -> { callClientId, p: participant }
      sessionData: {},
      log: [],
    };
    window.addEventListener('message', onMessage);
  }
  adoptPendingCallObjects();

  // daily-js registers each loading call object in window._daily.pendings and
  // reads window._daily.instances[id].callMachine.store.getState() on every
  // participant event. (This file runs once per call object; adopt all.)
  function adoptPendingCallObjects() {
    var daily = window._daily;
    if (!daily) return;
    daily.pendings.slice().forEach(function (id) {
      var instance = daily.instances[id];
      if (!instance || standIn.machines[id]) return;
      standIn.machines[id] = { sessionId: null };
      instance.callMachine = {
        store: { getState: emptyStoreState },
        reset: function () {
          post(id, { action: 'call-machine-initialized' });
        },
      };
      daily.pendings.splice(daily.pendings.indexOf(id), 1);
      post(id, { action: 'call-machine-initialized' });
    });
  }

  // No media: nothing for daily-js to attach as tracks.
  function emptyStoreState() {
    return { local: { streams: {}, public: {} }, participants: {}, streams: {} };
  }

  function trackOff() {
    return { subscribed: true, state: 'off', off: { byUser: true } };
  }

  function post(callClientId, msg) {
    msg.what = 'iframe-call-message';
    msg.from = 'embedded';
    msg.callClientId = callClientId;
    window.postMessage(msg, '*');
  }

  function reply(req, msg) {
    if (req.callbackStamp) msg.callbackStamp = req.callbackStamp;
    post(req.callClientId, msg);
  }

  function jsonClone(value) {
    return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
  }

  // The participant object as seen by the call object of session `forSessionId`.
  function view(p, forSessionId) {
    return Object.assign({}, p, { local: p.session_id === forSessionId });
  }

  function joinedSessionIds() {
    return Object.keys(standIn.participants);
  }

  function sendTo(sessionId, msg) {
    var entry = standIn.participants[sessionId];
    if (entry) post(entry.callClientId, msg);
  }

  // Tell every joined call object that participant `p` changed.
  function broadcastParticipant(action, p, exceptSessionId) {
    joinedSessionIds().forEach(function (sid) {
      if (sid !== exceptSessionId) sendTo(sid, { action: action, participant: view(p, sid) });
    });
  }

  function sessionStateMessage() {
    return {
      action: 'meeting-session-state-updated',
      meetingSessionState: { data: standIn.sessionData, topology: 'none' },
    };
  }

  function newSessionId() {
    return window.crypto && crypto.randomUUID
      ? crypto.randomUUID()
      : 'stand-in-' + Math.random().toString(16).slice(2);
  }

  var handlers = {
    'join-meeting': function (msg, machine) {
      if (machine.sessionId) return; // daily-js refuses a double join itself
      var props = msg.properties || {};
      var sid = newSessionId();
      var p = {
        session_id: sid,
        user_id: sid, // Daily uses the session id when no meeting token says otherwise
        user_name: props.userName || '',
        local: false,
        owner: false,
        joined_at: new Date(),
        audio: false,
        video: false,
        screen: false,
        record: false,
        tracks: { audio: trackOff(), video: trackOff(), screenAudio: trackOff(), screenVideo: trackOff() },
        permissions: { hasPresence: true, canSend: true, canReceive: { base: true }, canAdmin: false },
        will_eject_at: new Date(0),
        networkThreshold: 'good',
        networkQualityState: 'good',
        cam_info: {},
        screen_info: {},
      };
      // As Daily's: userData only when it was set.
      if (props.userData !== undefined) p.userData = jsonClone(props.userData);
      var already = joinedSessionIds();
      machine.sessionId = sid;
      standIn.participants[sid] = { callClientId: msg.callClientId, p: p };
      broadcastParticipant('participant-joined', p, sid);
      reply(msg, { action: 'joined-meeting', participants: { local: view(p, sid) } });
      already.forEach(function (other) {
        post(msg.callClientId, { action: 'participant-joined', participant: view(standIn.participants[other].p, sid) });
      });
      post(msg.callClientId, sessionStateMessage());
    },

    'leave-meeting': function (msg, machine) {
      var sid = machine.sessionId;
      if (sid) {
        var p = standIn.participants[sid].p;
        delete standIn.participants[sid];
        machine.sessionId = null;
        broadcastParticipant('participant-left', p, sid);
        if (!joinedSessionIds().length) standIn.sessionData = {}; // meeting session over
      }
      reply(msg, { action: 'left-meeting' });
    },

    'app-msg': function (msg, machine) {
      var from = machine.sessionId;
      if (!from) return;
      var to = msg.to === '*' || msg.to === undefined ? joinedSessionIds() : [].concat(msg.to);
      var data = jsonClone(msg.data);
      to.forEach(function (sid) {
        if (sid !== from) sendTo(sid, { action: 'app-message', data: data, fromId: from });
      });
    },

    'set-user-data': function (msg, machine) {
      var userData = jsonClone(msg.userData);
      if (machine.sessionId) {
        var p = standIn.participants[machine.sessionId].p;
        p.userData = userData;
        broadcastParticipant('participant-updated', p);
      }
      reply(msg, { action: 'set-user-data', userData: userData });
    },

    'set-user-name': function (msg, machine) {
      if (machine.sessionId) {
        var p = standIn.participants[machine.sessionId].p;
        p.user_name = msg.name;
        broadcastParticipant('participant-updated', p);
      }
      reply(msg, { action: 'set-user-name', userName: msg.name });
    },

    'set-session-data': function (msg, machine) {
      if (!machine.sessionId) return;
      var data = msg.data || {};
      if (msg.mergeStrategy === 'shallow-merge') {
        // postMessage keeps `{key: undefined}` as an own key: that means delete.
        Object.keys(data).forEach(function (key) {
          if (data[key] === undefined) delete standIn.sessionData[key];
          // defineProperty, so that a key named "__proto__" stays a key (as on Daily's servers).
          else Object.defineProperty(standIn.sessionData, key, { value: jsonClone(data[key]), enumerable: true, writable: true, configurable: true });
        });
      } else {
        standIn.sessionData = jsonClone(data);
      }
      joinedSessionIds().forEach(function (sid) {
        sendTo(sid, sessionStateMessage());
      });
    },
  };

  function onMessage(event) {
    var msg = event.data;
    if (event.source !== window || !msg || msg.what !== 'iframe-call-message' || msg.from !== 'module') {
      return;
    }
    var machine = standIn.machines[msg.callClientId];
    var handler = machine && handlers[msg.action];
    standIn.log.push({ callClientId: msg.callClientId, action: msg.action, handled: !!handler });
    if (handler) handler(msg, machine);
  }
})();
//# sourceURL=daily-stand-in/call-machine-object-bundle.js
