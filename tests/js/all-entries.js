// Every entry of the built package (pkg/) as one module, for page tests that use several: the
// default export loads each entry's wasm (channels registered, so sync.channel() works).
// Test helper, not part of the library.
import initCore, { DailySync, isDailySyncError } from '/pkg/index.js';
import initLocal, { createLocalCallObject } from '/pkg/local.js';
import initRest, { DailyRestClient } from '/pkg/rest.js';
import initChannels, { Channel, channel } from '/pkg/channels.js';
import initOrdered from '/pkg/ordered.js';

export { Channel, DailyRestClient, DailySync, channel, createLocalCallObject, isDailySyncError };

/** Loads every entry; resolves with the default entry's wasm exports (its `memory`: DailySync's). */
export default async function init() {
  const [core] = await Promise.all([initCore(), initLocal(), initRest(), initChannels(), initOrdered()]);
  return core;
}
