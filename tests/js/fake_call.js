// A fake daily-js call object for the Rust API's browser tests: an EventEmitter with daily-js's
// method names, pre-join errors and size checks, that records what it is asked to send.
export class FakeCall {
  constructor() {
    this.listeners = new Map();
    this.state = 'new';
    this.sent = [];
    this.sessionCalls = [];
    this.userData = undefined;
    this.session = {};
  }
  on(name, fn) {
    if (!this.listeners.has(name)) this.listeners.set(name, []);
    this.listeners.get(name).push(fn);
    return this;
  }
  off(name, fn) {
    const list = this.listeners.get(name) || [];
    const at = list.indexOf(fn);
    if (at >= 0) list.splice(at, 1);
    return this;
  }
  emit(name, payload) {
    for (const fn of [...(this.listeners.get(name) || [])]) fn(payload);
  }
  listenerCount(name) {
    return (this.listeners.get(name) || []).length;
  }
  join() {
    this.state = 'joined-meeting';
    this.emit('joined-meeting', { action: 'joined-meeting', participants: this.participants() });
  }
  leave() {
    this.state = 'left-meeting';
    this.emit('left-meeting', { action: 'left-meeting' });
  }
  meetingState() {
    return this.state;
  }
  participants() {
    return { local: { session_id: 'me', user_id: 'me', user_name: 'Me', local: true, owner: false, userData: this.userData, tracks: {} } };
  }
  sendAppMessage(data, to = '*') {
    if (this.state !== 'joined-meeting') throw new Error('sendAppMessage() only supported after join.');
    if (JSON.stringify(data).length > 4096) throw new Error('Message data too large. Max size is 4096');
    this.sent.push({ data, to });
    return this;
  }
  async setUserData(data) {
    const text = JSON.stringify(data);
    if (text !== undefined && text.length > 4096) {
      throw Error(`userData is too large (${text.length} characters). Maximum size suppported is 4096.`);
    }
    this.userData = data;
  }
  setMeetingSessionData(data, strategy = 'replace') {
    if (this.state !== 'joined-meeting') throw new Error('setMeetingSessionData only supported after join.');
    this.sessionCalls.push({ at: performance.now(), data: JSON.parse(JSON.stringify(data)), strategy, keys: Object.keys(data) });
    if (strategy === 'replace') this.session = { ...data };
    else {
      this.session = { ...this.session, ...data };
      for (const key of Object.keys(data)) if (data[key] === undefined) delete this.session[key];
    }
  }
  meetingSessionState() {
    if (this.state !== 'joined-meeting') throw new Error('meetingSessionState only supported after join.');
    return { data: this.session, topology: 'none' };
  }
  /** What the room would broadcast back: the state as it now stands. */
  echoSession() {
    this.emit('meeting-session-state-updated', { action: 'meeting-session-state-updated', meetingSessionState: { data: { ...this.session }, topology: 'none' } });
  }
  sentCount() {
    return this.sent.length;
  }
  sessionCallCount() {
    return this.sessionCalls.length;
  }
  lastSessionCall() {
    return this.sessionCalls[this.sessionCalls.length - 1];
  }
  lastSent() {
    return this.sent[this.sent.length - 1];
  }
}
