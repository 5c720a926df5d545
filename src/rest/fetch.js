// One POST through the runtime's fetch (browsers, Node 18+, edge runtimes), with a timeout.
// Never throws: the outcome is a plain object the Rust side reads.
export async function post(url, authorization, body, timeoutMs) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body,
      signal: controller.signal,
    });
    const text = await response.text();
    return { status: response.status, body: text, retryAfter: response.headers.get('retry-after') };
  } catch (error) {
    // Node's fetch says only "fetch failed"; what failed (connection refused, a reset socket) is its cause.
    const detail = error?.cause?.message;
    const message = String(error?.message ?? error) + (typeof detail === 'string' ? ` (${detail})` : '');
    return { failure: controller.signal.aborted ? 'timeout' : 'network', message, cause: error };
  } finally {
    clearTimeout(timer);
  }
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
