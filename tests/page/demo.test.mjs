// The demo (www/): a live Q&A on the local room, driven like people would. Two pages and a late
// third in ONE browser context, so the local room's BroadcastChannel links them. Saves a screenshot
// of each page into test-results/. Run: node --test tests/page/demo.test.mjs
// The driver (pages, waits, what the pages show) is demo-driver.mjs.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  DESKTOP,
  PHONE,
  ROOM,
  SHOTS,
  TABLET,
  WAIT,
  XSS,
  addPage,
  answerInvite,
  answeredIs,
  answeredShown,
  ask,
  browser,
  chatTexts,
  dialogs,
  dropPage,
  errors,
  hasChat,
  invitesSeen,
  inviteOutcome,
  join,
  openDemo,
  pages,
  personHasHand,
  pollIs,
  questionsShown,
  queueIs,
  ready,
  server,
  shot,
  text,
  typingIs,
  typingNotBy,
  until,
  upvoteButton,
} from './demo-driver.mjs';
import { openPage } from './harness.mjs';

openDemo();

describe('the Live Q&A demo on a local room', () => {
  test('the join screen loads the package and can be used at phone width', async () => {
    const { ana } = pages;
    await ready(ana);
    assert.equal(await text(ana, '#join-button'), 'Join');
    assert.equal(await ana.inputValue('#room'), 'demo', 'the room defaults to "demo"');
    // Joining without a name is refused with a visible message, not sent.
    await ana.fill('#name', '');
    await ana.click('#join-button');
    await ana.locator('#join-status[data-state="error"]').waitFor(WAIT);
    assert.match(await text(ana, '#join-status'), /name/i);
    assert.equal(await ana.evaluate(() => document.activeElement.id), 'name', 'focus goes to the field to fix');
    await ana.setViewportSize(PHONE);
    await shot(ana, 'demo-join-phone');
    await ana.setViewportSize(DESKTOP);
  });

  test('two participants join; the first becomes host', async () => {
    await join(pages.ana, 'Ana');
    await until(pages.ana, 'Ana is host', () => document.getElementById('host-label').textContent === 'You are the host');
    assert.equal(await text(pages.ana, '#hands-summary'), 'No one has a hand up');
    assert.equal(await text(pages.ana, '#chat-empty'), 'No messages yet');
    assert.equal(await pages.ana.isVisible('#chat-empty'), true);
    assert.equal(await text(pages.ana, '#stage-kicker'), 'The stage is empty');
    assert.equal(await pages.ana.isVisible('#poll-form'), true, 'the host can start a poll');
    await shot(pages.ana, 'demo-ana-alone');

    const ben = await addPage('ben', PHONE);
    await join(ben, 'Ben');
    for (const page of [pages.ana, ben]) {
      await until(page, 'two people listed', () => document.querySelectorAll('#people-list .person').length === 2);
    }
    await until(ben, 'Ben sees Ana as host', () => document.getElementById('host-label').textContent === 'Host: Ana');
    assert.equal(await ben.isVisible('#poll-form'), false, 'only the host may start a poll');
    assert.equal(await ben.isVisible('.stage-btn'), false, 'only the host may bring people on stage');
  });

  test('a raised hand is seen by the other', async () => {
    const { ana, ben } = pages;
    await ben.click('#hand-button');
    assert.equal(await ben.getAttribute('#hand-button', 'aria-pressed'), 'true');
    await until(ana, "Ben's hand on Ana's page", personHasHand, 'Ben');
    assert.match(await text(ana, '#hands-summary'), /1 hand up: Ben/);
  });

  test('the host asks Ben "come on stage?"; only Ben is asked; he accepts and the host puts him on stage', async () => {
    const { ana, ben } = pages;
    assert.equal(await text(ana, '#stage-kicker'), 'The stage is empty');
    await ana.getByRole('button', { name: 'Bring Ben on stage' }).click();
    await inviteOutcome(ana, 'asking', 'Asking Ben to come on stage…');
    assert.equal(await ana.getByRole('button', { name: 'Asking Ben to come on stage' }).isDisabled(), true, 'one question at a time');
    const invite = ben.getByRole('alertdialog', { name: 'The host invites you on stage' });
    await invite.waitFor(WAIT);
    await invite.evaluate((n) => Promise.all(n.getAnimations().map((a) => a.finished)));
    await ben.screenshot({ path: `${SHOTS}demo-ben-phone-invite.png` });
    // Nobody is on stage until Ben says yes.
    assert.equal(await text(ana, '#stage-kicker'), 'The stage is empty');
    await answerInvite(ben, 'Accept');
    await inviteOutcome(ana, 'accepted', 'Ben accepted and is on stage');
    await until(ana, 'stage shows Ben on Ana', () => document.getElementById('stage-name').textContent === 'Ben');
    await until(ben, 'stage shows Ben on Ben', () => document.getElementById('stage-name').textContent === 'Ben');
    assert.equal(await text(ben, '#stage-kicker'), 'You are on stage');
    assert.deepEqual(await invitesSeen(ana), [], 'no invitation on the host');
  });

  test('the host starts a poll and a vote is tallied', async () => {
    const { ana, ben } = pages;
    await ana.fill('#poll-q', 'What should we cover next?');
    await ana.fill('#poll-o1', 'Session data');
    await ana.fill('#poll-o2', 'App messages');
    await ana.fill('#poll-o3', 'User data');
    await ana.press('#poll-o3', 'Enter');
    await until(ben, 'the poll on Ben', () => document.getElementById('poll-question').textContent === 'What should we cover next?');
    await ben.click('#poll-options .poll-choice[data-option="1"]');
    for (const page of [ana, ben]) {
      await until(page, 'one vote for option 2', pollIs, [0, 1, 0]);
    }
  });

  test('a late joiner starts in the right scene: hand, stage, host and poll', async () => {
    const cy = await addPage('cy', TABLET);
    await join(cy, 'Cy');
    // The first render after join already shows the stage (no empty stage first).
    assert.equal(await text(cy, '#stage-name'), 'Ben', 'the late joiner sees Ben on stage at once');
    await until(cy, "Ben's hand on Cy's page", personHasHand, 'Ben');
    await until(cy, 'Cy sees Ana as host', () => document.getElementById('host-label').textContent === 'Host: Ana');
    await until(cy, 'the tally on Cy', pollIs, [0, 1, 0]);
    for (const page of Object.values(pages)) {
      await until(page, 'three people listed', () => document.querySelectorAll('#people-list .person').length === 3);
    }
  });

  test('Cy declines: the stage stays with Ben and the host sees it; asked again, Cy accepts and every page follows', async () => {
    const { ana, ben, cy } = pages;
    await ana.getByRole('button', { name: 'Bring Cy on stage' }).click();
    await answerInvite(cy, 'Decline');
    await inviteOutcome(ana, 'declined', 'Cy declined');
    for (const page of [ana, ben, cy]) assert.equal(await text(page, '#stage-name'), 'Ben', 'a decline changes nothing');
    await ana.getByRole('button', { name: 'Bring Cy on stage' }).click();
    await answerInvite(cy, 'Accept');
    await inviteOutcome(ana, 'accepted', 'Cy accepted and is on stage');
    for (const page of [ana, ben, cy]) {
      await until(page, 'stage shows Cy', () => document.getElementById('stage-name').textContent === 'Cy');
    }
    assert.equal(await text(ben, '#stage-kicker'), 'On stage');
    assert.equal(await text(cy, '#stage-kicker'), 'You are on stage');
  });

  test('no answer is shown as what it is: a page that never got the question, a participant who left before answering', async () => {
    const { ana } = pages;
    // "Quiet" is in the room with a bare call object (no app): nothing acknowledges the request.
    const quiet = await addPage('quiet', DESKTOP);
    await quiet.evaluate(async (room) => {
      const { default: init, createLocalCallObject } = await import('/pkg/local.js');
      await init();
      window.call = createLocalCallObject({ room, userName: 'Quiet' });
      await window.call.join();
    }, ROOM);
    await ana.getByRole('button', { name: 'Bring Quiet on stage' }).click();
    await inviteOutcome(ana, 'unreached', "No answer: Quiet's page did not get the request (closed, asleep or offline?)");
    await quiet.evaluate(() => window.call.leave());
    await quiet.close();
    delete pages.quiet;
    // Dee gets the question and leaves without answering.
    const dee = await addPage('dee', PHONE);
    await join(dee, 'Dee');
    await until(ana, 'Dee listed', () => [...document.querySelectorAll('#people-list .person-name')].some((n) => n.textContent === 'Dee'));
    await ana.getByRole('button', { name: 'Bring Dee on stage' }).click();
    await dee.getByRole('alertdialog', { name: 'The host invites you on stage' }).waitFor(WAIT);
    await dee.click('#leave-button');
    await inviteOutcome(ana, 'left', 'Dee left before answering');
    assert.equal(await text(ana, '#stage-name'), 'Cy', 'the stage is as it was');
    await dropPage('dee');
  });

  test('votes from every page are tallied on every page (one key per voter)', async () => {
    const { ana, ben, cy } = pages;
    // Two votes in the same throttle window, from different pages: neither overwrites the other.
    await Promise.all([cy.click('#poll-options .poll-choice[data-option="0"]'), ana.click('#poll-options .poll-choice[data-option="1"]')]);
    for (const page of [ana, ben, cy]) {
      await until(page, 'tally [1, 2, 0]', pollIs, [1, 2, 0]);
    }
    // Ben changes his vote: still one vote each.
    await ben.click('#poll-options .poll-choice[data-option="2"]');
    for (const page of [ana, ben, cy]) {
      await until(page, 'tally [1, 1, 1]', pollIs, [1, 1, 1]);
    }
    assert.equal(await ben.getAttribute('#poll-options .poll-choice[data-option="2"]', 'aria-pressed'), 'true');
  });

  test('chat reaches the others and shows once for the sender', async () => {
    const { ana, ben, cy } = pages;
    await ana.fill('#chat-input', 'Hello from Ana');
    await ana.press('#chat-input', 'Enter');
    await until(ben, 'the chat on Ben', hasChat, ['Ana', 'Hello from Ana']);
    await until(cy, 'the chat on Cy', hasChat, ['Ana', 'Hello from Ana']);
    assert.deepEqual(await ana.evaluate(chatTexts), [{ name: 'You', text: 'Hello from Ana' }]);
    assert.equal(await ana.inputValue('#chat-input'), '', 'the input is cleared after sending');
    assert.equal(await ana.isVisible('#chat-empty'), false);
  });

  test('a chat message with HTML shows as text and runs nothing', async () => {
    const { ana, ben, cy } = pages;
    await ben.fill('#chat-input', XSS);
    await ben.press('#chat-input', 'Enter');
    await until(ana, 'the HTML as text on Ana', hasChat, ['Ben', XSS]);
    await until(cy, 'the HTML as text on Cy', hasChat, ['Ben', XSS]);
    // A later message has arrived everywhere: an onerror would have run by then.
    await cy.fill('#chat-input', 'after');
    await cy.press('#chat-input', 'Enter');
    await until(ana, '"after" on Ana', hasChat, ['Cy', 'after']);
    await until(ben, '"after" on Ben', hasChat, ['Cy', 'after']);
    for (const page of [ana, ben, cy]) {
      assert.equal(await page.evaluate(() => document.querySelectorAll('#chat-log img').length), 0);
      assert.equal(await page.evaluate(() => document.querySelectorAll('img').length), 0);
    }
    assert.equal(await ben.evaluate(() => document.querySelectorAll('#chat-log .chat-msg.mine').length), 1);
    assert.deepEqual(dialogs, [], 'no dialog opened');
  });

  test('a reaction floats up on the other pages', async () => {
    const { ana, ben, cy } = pages;
    await cy.getByRole('button', { name: 'React: celebrate' }).click();
    for (const page of [ana, ben]) {
      await until(
        page,
        'a 🎉 from Cy',
        () =>
          [...document.querySelectorAll('#reaction-layer .reaction-float')].some(
            (n) => n.querySelector('.reaction-emoji').textContent === '🎉' && n.querySelector('.reaction-name').textContent === 'Cy',
          ),
      );
    }
  });

  const Q_BEN = 'How does ordered state pick who orders?';
  const Q_CY = 'Can a late joiner see the queue?';

  test('two questions asked at once both reach the queue; concurrent upvotes from every page are all counted, most votes first', async () => {
    const { ana, ben, cy } = pages;
    for (const page of [ana, ben, cy]) assert.equal(await page.isVisible('#questions-empty'), true);
    // Asked in the same moment: with a plain session-data write, one list would lose the other's question.
    await Promise.all([ask(ben, Q_BEN), ask(cy, Q_CY)]);
    for (const page of [ana, ben, cy]) {
      await until(page, 'both questions listed, no votes', () => {
        const votes = [...document.querySelectorAll('#questions-list .vote-count')].map((n) => n.textContent);
        return JSON.stringify(votes) === '["0","0"]';
      });
      assert.deepEqual((await page.evaluate(questionsShown)).map(([q]) => q).sort(), [Q_BEN, Q_CY].sort());
    }
    assert.equal(await ben.inputValue('#question-input'), '', 'the field is cleared once the question is in');
    // Five upvotes from three pages at once: Cy's question from everyone, Ben's from Ana and Cy.
    // Dispatched to the buttons, not clicked at a point: the list re-sorts as the votes land, and
    // a click aimed at one row could land on the row that just moved there.
    await Promise.all([
      upvoteButton(ana, Q_CY).dispatchEvent('click'),
      upvoteButton(ben, Q_CY).dispatchEvent('click'),
      upvoteButton(cy, Q_CY).dispatchEvent('click'),
      upvoteButton(ana, Q_BEN).dispatchEvent('click'),
      upvoteButton(cy, Q_BEN).dispatchEvent('click'),
    ]);
    for (const page of [ana, ben, cy]) {
      await until(page, `every vote counted: ${Q_CY} 3, ${Q_BEN} 2`, queueIs, [[Q_CY, 3], [Q_BEN, 2]]);
    }
    assert.equal(await upvoteButton(ben, Q_CY).getAttribute('aria-pressed'), 'true', "Ben's vote shows as his");
    assert.equal(await upvoteButton(ben, Q_BEN).getAttribute('aria-pressed'), 'false');
    // Ben takes his vote back and gives it to his own question: the order follows.
    await upvoteButton(ben, Q_CY).click();
    // (Both have 2 now, in the order they were asked: the next click waits for the list to settle.)
    await until(ben, `${Q_CY} down to 2 on Ben`, () =>
      [...document.querySelectorAll('#questions-list .vote-count')].every((n) => n.textContent === '2'),
    );
    await upvoteButton(ben, Q_BEN).click();
    for (const page of [ana, ben, cy]) {
      await until(page, `${Q_BEN} 3, ${Q_CY} 2`, queueIs, [[Q_BEN, 3], [Q_CY, 2]]);
    }
    // Only the host answers or removes.
    assert.equal(await ana.getByRole('button', { name: `Remove question: ${Q_BEN}` }).isVisible(), true);
    for (const page of [ben, cy]) {
      assert.equal(await page.isVisible('#questions-list .question-actions'), false, 'no answer or remove buttons for a guest');
    }
    await shot(ana, 'demo-ana-questions');
  });

  test('a late joiner sees the queue with its votes', async () => {
    const eve = await addPage('eve', DESKTOP);
    await join(eve, 'Eve');
    await until(eve, 'the queue on Eve', queueIs, [[Q_BEN, 3], [Q_CY, 2]]);
    assert.equal(await text(eve, '#questions-list .question-by'), 'Asked by Ben');
    // The chat's history: what was said before Eve came, marked as earlier.
    await until(eve, "Ana's earlier message on Eve", hasChat, ['Ana', 'Hello from Ana']);
    assert.ok(await eve.evaluate(() => document.querySelectorAll('#chat-log .chat-msg.earlier').length > 0));
    await eve.click('#leave-button');
    await eve.locator('#join-screen:not([hidden])').waitFor(WAIT);
    await dropPage('eve');
  });

  test('the host marks one question answered and removes the other; every page follows', async () => {
    const { ana, ben, cy } = pages;
    await ana.getByRole('button', { name: `Mark answered: ${Q_BEN}` }).click();
    for (const page of [ana, ben, cy]) {
      await until(page, `only ${Q_CY} open`, queueIs, [[Q_CY, 2]]);
      await until(page, `${Q_BEN} answered`, answeredIs, [[Q_BEN, 'Ben · 3 votes']]);
    }
    await ana.getByRole('button', { name: `Remove question: ${Q_CY}` }).click();
    for (const page of [ana, ben, cy]) {
      await until(page, 'the queue empty', queueIs, []);
      assert.equal(await page.isVisible('#questions-empty'), true);
      assert.equal((await page.evaluate(answeredShown)).length, 1, 'a removed question is not answered');
    }
  });

  test('"… is typing…" in the chat from presence: shown to the others, gone when the typist stops or sends', async () => {
    const { ana, ben, cy } = pages;
    await ben.fill('#chat-input', 'Is the queue');
    for (const page of [ana, cy]) await until(page, '"Ben is typing…"', typingIs, 'Ben is typing…');
    assert.equal(await ben.evaluate(typingIs, null), true, 'nobody sees themself typing');
    // Two at once (Ben types on, so he is not stale yet).
    await cy.fill('#chat-input', 'Me too');
    await ben.fill('#chat-input', 'Is the queue kept');
    await until(ana, '"Ben and Cy are typing…"', typingIs, 'Ben and Cy are typing…');
    await shot(ana, 'demo-ana-typing');
    // Cy sends: she is no longer typing.
    await cy.press('#chat-input', 'Enter');
    await until(ana, "Cy's message", hasChat, ['Cy', 'Me too']);
    await until(ana, 'Cy no longer typing', typingNotBy, 'Cy');
    // Ben stops typing without sending: past staleMs (3 s) he is gone from the others' pages.
    for (const page of [ana, cy]) await until(page, 'nobody typing', typingIs, null);
    assert.equal(await ben.inputValue('#chat-input'), 'Is the queue kept', 'his text is still there');
    // He types again, and sends.
    await ben.fill('#chat-input', 'Is the queue kept for late joiners?');
    await until(ana, '"Ben is typing…" again', typingIs, 'Ben is typing…');
    await ben.press('#chat-input', 'Enter');
    await until(ana, "Ben's message", hasChat, ['Ben', 'Is the queue kept for late joiners?']);
    for (const page of [ana, cy]) await until(page, 'nobody typing after the send', typingIs, null);
  });

  test('a notification from a backend shows a dismissable banner on every page', async () => {
    // A backend in the same room (here a call object in a fourth page) sends the notification.
    const backend = await addPage('backend', DESKTOP);
    await backend.evaluate(async (room) => {
      const { default: init, createLocalCallObject } = await import('/pkg/local.js');
      await init();
      const call = createLocalCallObject({ room, userName: 'Backend' });
      await call.join();
      call.sendAppMessage({ type: 'notification', text: 'The Q&A ends in 5 minutes' }, '*');
      await call.leave();
    }, ROOM);
    for (const page of [pages.ana, pages.ben, pages.cy]) {
      await until(page, 'the banner', () => document.querySelector('#banners .banner.notification .banner-text')?.textContent === 'The Q&A ends in 5 minutes');
    }
    await pages.cy.getByRole('button', { name: 'Dismiss notification' }).click();
    assert.equal(await pages.cy.$$eval('#banners .banner', (b) => b.length), 0);
    await backend.close();
    delete pages.backend;
    for (const page of [pages.ana, pages.ben, pages.cy]) {
      await until(page, 'the backend gone', () => document.querySelectorAll('#people-list .person').length === 3);
    }
  });

  test('a join failure is shown: ?server=1 with no dev server room socket', async () => {
    // This test server has no WebSocket rooms: the page must say so, not sit alone in a room.
    const { context: other, page, errors: seen } = await openPage(browser, `${server.url}/?server=1`);
    try {
      await ready(page);
      await page.fill('#name', 'Dee');
      await page.click('#join-button');
      await page.locator('#join-status[data-state="error"]').waitFor(WAIT);
      assert.match(await text(page, '#join-status'), /^Could not join: the dev server's room at ws:\/\/127\.0\.0\.1:\d+\/v1\/rooms\/demo\/ws could not be reached/);
      assert.equal(await page.isVisible('#join-screen'), true);
      assert.equal(await text(page, '#join-button'), 'Join', 'the form can be used again');
      // The browser logs the failed handshake itself; nothing else may go wrong.
      assert.deepEqual(seen.filter((e) => !/WebSocket connection to .* failed/.test(e)), []);
    } finally {
      await other.close();
    }
  });

  test('a send error shows the error message', async () => {
    const { ana } = pages;
    await ana.fill('#chat-input', 'x'.repeat(4096));
    await ana.press('#chat-input', 'Enter');
    await ana.locator('#chat-error:not([hidden])').waitFor(WAIT);
    assert.match(await text(ana, '#chat-error'), /^Could not send: .*(large|limit|4096)/i);
    assert.equal((await ana.inputValue('#chat-input')).length, 4096, 'the text is kept to fix');
    await shot(ana, 'demo-ana-send-error');
    await ana.fill('#chat-input', '');
    assert.equal(await ana.isVisible('#chat-error'), false, 'the error goes once the text is edited');
  });

  test('each invitation reached only the participant asked; screenshots; no page errors', async () => {
    const { ana, ben, cy } = pages;
    const invite = 'Come on stage?';
    assert.deepEqual(await invitesSeen(ana), [], 'no invitation on the host');
    assert.deepEqual(await invitesSeen(ben), [invite], 'one on Ben, for his turn');
    assert.deepEqual(await invitesSeen(cy), [invite, invite], 'two on Cy: declined, then accepted');
    // Nothing wider than the phone screen on Ben's page.
    const overflow = await ben.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.equal(overflow, 0, 'no horizontal scrolling at 360 px');
    await shot(ana, 'demo-ana-desktop');
    await shot(ben, 'demo-ben-phone');
    await shot(cy, 'demo-cy-tablet');
    assert.deepEqual(dialogs, []);
    assert.deepEqual([...errors, ...ana.errors.map((e) => `ana ${e}`)], []);
  });

  test('when the host leaves, the others agree on a new one; the question queue goes on', async () => {
    const { ana, ben, cy } = pages;
    // Ana is typing as she leaves: she is gone from the others' "typing…" with her.
    await ana.fill('#chat-input', 'Bye');
    await until(ben, '"Ana is typing…"', typingIs, 'Ana is typing…');
    await ana.click('#leave-button');
    await ana.locator('#join-screen:not([hidden])').waitFor(WAIT);
    for (const page of [ben, cy]) {
      await until(page, 'two people left', () => document.querySelectorAll('#people-list .person').length === 2);
    }
    await until(ben, 'a new host on Ben', () =>
      /^(You are the host|Host: Cy)$/.test(document.getElementById('host-label').textContent),
    );
    const benHosts = (await text(ben, '#host-label')) === 'You are the host';
    const expected = benHosts ? 'Host: Ben' : 'You are the host';
    await until(cy, `Cy agrees: ${expected}`, (want) => document.getElementById('host-label').textContent === want, expected);
    assert.equal(await text(ben, '#host-label'), benHosts ? 'You are the host' : 'Host: Cy', 'one host, agreed');
    for (const page of [ben, cy]) await until(page, 'nobody typing', typingIs, null);
    // Ana ordered the queue's changes; Ben or Cy does now: questions and votes still get in.
    await Promise.all([ask(ben, 'Who orders now?'), ask(cy, 'And the votes?')]);
    for (const page of [ben, cy]) {
      await until(page, 'both new questions', () => document.querySelectorAll('#questions-list .question').length === 2);
    }
    await Promise.all([upvoteButton(ben, 'And the votes?').dispatchEvent('click'), upvoteButton(cy, 'And the votes?').dispatchEvent('click')]);
    for (const page of [ben, cy]) {
      await until(page, 'two votes, most first', queueIs, [['And the votes?', 2], ['Who orders now?', 0]]);
      assert.equal((await page.evaluate(answeredShown)).length, 1, 'the answered question is still there');
    }
    assert.deepEqual([...errors, ...ana.errors.map((e) => `ana ${e}`)], []);
  });
});

describe('the demo on the real daily-js (offline, joined to the stand-in call machine)', () => {
  // The "advanced" path: the page imports daily-js and joins a Daily room URL. Offline, daily-js's
  // import is answered with a wrapper that points its call machine at tests/js/daily-stand-in/
  // (one stand-in room per page, so one participant here): the page's own daily-js code runs.
  const REAL = '/node_modules/@daily-co/daily-js/dist/daily-esm.js';
  const wrapper = (bundle) => `
    import Daily from '${REAL}?real';
    const create = Daily.createCallObject.bind(Daily);
    // daily-js before 0.90 reads the bundle's own URL (tests/page/fixtures/daily-js.js), later ones its folder.
    const [major, minor] = Daily.version().split('.').map(Number);
    const override = major === 0 && minor < 90
      ? { callObjectBundleUrlOverride: '${bundle}call-machine-object-bundle.js' }
      : { bundlePathOverride: '${bundle}' };
    Daily.createCallObject = (options = {}) => create({ ...options, dailyConfig: { ...options.dailyConfig, ...override } });
    export default Daily;`;

  test('joins with the Daily URL field, then hand, chat, stage and poll work', async () => {
    const { context: own, page, errors: seen } = await openPage(browser, 'about:blank');
    try {
      await page.route(`${server.url}${REAL}`, (route) =>
        route.fulfill({ contentType: 'text/javascript', body: wrapper(`${server.url}/tests/js/daily-stand-in/`) }),
      );
      await page.goto(`${server.url}/`);
      await ready(page);
      await page.fill('#name', 'Dana');
      await page.click('#advanced summary');
      await page.fill('#daily-url', 'https://example.daily.co/stand-in-room');
      await page.fill('#daily-token', 'a-token');
      await page.press('#daily-url', 'Enter');
      await page.locator('#conn-status[data-state="connected"]').waitFor(WAIT);
      assert.equal(await text(page, '#conn-status'), 'Connected to Daily');
      assert.equal(await text(page, '#room-label'), 'stand-in-room');
      await until(page, 'Dana is host', () => document.getElementById('host-label').textContent === 'You are the host');
      await page.click('#hand-button');
      await until(page, "Dana's hand", () => document.getElementById('hands-summary').textContent.includes('1 hand up: you'));
      await page.fill('#chat-input', 'Hi from Daily');
      await page.press('#chat-input', 'Enter');
      assert.deepEqual(await page.evaluate(chatTexts), [{ name: 'You', text: 'Hi from Daily' }]);
      await page.getByRole('button', { name: 'Bring Dana on stage' }).click();
      await until(page, 'stage: Dana', () => document.getElementById('stage-kicker').textContent === 'You are on stage');
      await page.fill('#poll-q', 'Works on Daily?');
      await page.fill('#poll-o1', 'Yes');
      await page.fill('#poll-o2', 'No');
      await page.click('#poll-start');
      await page.click('#poll-options .poll-choice[data-option="0"]');
      await until(page, 'tally [1, 0]', pollIs, [1, 0]);
      // Alone, the page orders its own changes.
      await ask(page, 'Does the queue work on Daily?');
      await until(page, 'the question', queueIs, [['Does the queue work on Daily?', 0]]);
      await upvoteButton(page, 'Does the queue work on Daily?').click();
      await until(page, 'its vote', queueIs, [['Does the queue work on Daily?', 1]]);
      await page.fill('#chat-input', 'typing');
      await page.fill('#chat-input', '');
      await page.click('#leave-button');
      await page.locator('#join-screen:not([hidden])').waitFor(WAIT);
      assert.deepEqual(seen, [], 'no console error, no page error');
      assert.deepEqual(dialogs, []);
    } finally {
      await own.close();
    }
  });
});
