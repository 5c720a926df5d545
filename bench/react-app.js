// The React side of benchmark 12 (bench/bench-page.js): esbuild bundles it (React in production
// mode) into target/bench-react/app.js when bench/run.mjs runs the `react` benchmark, with the
// package's entries and the stub loaded from /pkg/ and /bench/ as they are. Benchmark helper, not
// part of the library.
//
// A call of `n` participants on a stub call object (1,000 local call objects in one page would time
// the local room, not the hooks): participants() answers from a table, and `update(i)` changes
// participant i's name and emits participant-updated for it, as daily-js does. Two ways to show the
// same n rows: one component with useParticipants() (the list re-read and re-rendered on each
// event), or one component per participant with useParticipant(sessionId).
import { createElement as h } from 'react';
import { flushSync } from 'react-dom';
import { createRoot } from 'react-dom/client';
import { DailySyncProvider, useParticipant, useParticipants } from 'daily-sync/react';
import { DailySync } from '/pkg/index.js';
import { StubCall } from '/bench/stub-call.js';

const idOf = (i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;

class ManyCall extends StubCall {
  constructor(n) {
    super();
    this._table = { local: super.participants().local };
    for (let i = 0; i < n; i++) {
      const id = idOf(i);
      this._table[id] = { session_id: id, user_id: id, user_name: `p${i}`, local: false, owner: false, joined_at: new Date(i), userData: undefined };
    }
    this._version = 0;
  }
  participants() {
    return this._table;
  }
  update(i) {
    const id = idOf(i);
    const participant = { ...this._table[id], user_name: `p${i} v${++this._version}` };
    this._table = { ...this._table, [id]: participant };
    this.emit('participant-updated', { action: 'participant-updated', participant, callClientId: 'bench-call-client' });
    return participant.user_name;
  }
}

function List() {
  const participants = useParticipants();
  return h('ul', null, participants.filter((p) => !p.local).map((p) => h('li', { key: p.sessionId }, p.userName)));
}

function Row({ id }) {
  const p = useParticipant(id);
  return h('li', null, p === undefined ? '' : p.userName);
}

function Rows({ ids }) {
  return h('ul', null, ids.map((id) => h(Row, { key: id, id })));
}

/** Mounts `mode` ('list' or 'each') for n participants; resolves once the n rows are in the DOM. */
export async function mount(mode, n) {
  const call = new ManyCall(n);
  const ids = Array.from({ length: n }, (_, i) => idOf(i));
  const container = document.createElement('div');
  document.body.append(container);
  const root = createRoot(container);
  root.render(h(DailySyncProvider, { call }, mode === 'list' ? h(List) : h(Rows, { ids })));
  const t0 = performance.now();
  while (container.querySelectorAll('li').length !== n || container.querySelector('li').textContent === '') {
    if (performance.now() - t0 > 30_000) throw new Error(`${mode}: the ${n} rows never rendered`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return {
    /** `count` participant-updated events, each rendered before the next (flushSync); ms in all. */
    events(count) {
      let name = '';
      let last = 0;
      const t = performance.now();
      for (let k = 0; k < count; k++) {
        last = (k * 7919) % n;
        flushSync(() => {
          name = call.update(last);
        });
      }
      const ms = performance.now() - t;
      const shown = container.querySelectorAll('li')[last].textContent;
      if (shown !== name) throw new Error(`${mode}: row ${last} shows ${shown}, not ${name}`);
      return ms;
    },
    unmount() {
      root.unmount();
      container.remove();
    },
  };
}

/** What both hooks read once per event that concerns them: sync.participants() of n; ms for `count`. */
export function reader(n) {
  const sync = new DailySync(new ManyCall(n));
  return (count) => {
    let rows = 0;
    const t = performance.now();
    for (let k = 0; k < count; k++) rows += sync.participants().length;
    const ms = performance.now() - t;
    if (rows !== count * (n + 1)) throw new Error('sync.participants() read every participant');
    return ms;
  };
}
