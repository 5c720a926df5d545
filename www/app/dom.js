// The page's small DOM helpers, shared by every feature. Anything a participant typed is put on the
// page with textContent, never as HTML.

export const $ = (id) => document.getElementById(id);

/** An error's message, whatever was thrown (daily-js rejects with objects too). */
export function describe(error) {
  if (error instanceof Error) return error.message || error.name;
  if (error && typeof error === 'object') {
    const text = error.errorMsg ?? error.message ?? error.error;
    if (typeof text === 'string' && text) return text;
    try {
      return JSON.stringify(error);
    } catch {
      return 'unknown error';
    }
  }
  return String(error);
}

export function make(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function initials(name) {
  const words = name.trim().split(/\s+/).filter(Boolean);
  const letters = words.slice(0, 2).map((word) => Array.from(word)[0] ?? '');
  return letters.join('').toUpperCase() || '?';
}

export function hue(id) {
  let h = 0;
  for (const ch of id) h = (h * 31 + ch.charCodeAt(0)) % 360;
  return h;
}

export function paintAvatar(node, name, id) {
  node.textContent = initials(name);
  node.style.setProperty('--hue', String(hue(id || name)));
}

export function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

export function showInlineError(id, text) {
  const node = $(id);
  node.textContent = text;
  node.hidden = false;
}

export function clearInlineError(id) {
  const node = $(id);
  node.textContent = '';
  node.hidden = true;
}

export function setConn(state, text) {
  const pill = $('conn-status');
  pill.dataset.state = state;
  pill.textContent = text;
}

export function addBanner(container, text, kind, icon) {
  const banner = make('div', `banner ${kind}`);
  const glyph = make('span', 'banner-icon', icon);
  glyph.setAttribute('aria-hidden', 'true');
  const close = make('button', 'btn ghost small banner-close', 'Dismiss');
  close.type = 'button';
  close.setAttribute('aria-label', kind === 'error' ? 'Dismiss error' : 'Dismiss notification');
  close.addEventListener('click', () => {
    banner.remove();
    $('chat-input').focus();
  });
  banner.append(glyph, make('p', 'banner-text', text), close);
  container.append(banner);
  while (container.children.length > 3) container.firstElementChild.remove();
}

export function showCallError(text) {
  addBanner($('call-errors'), text, 'error', '⚠️');
}
