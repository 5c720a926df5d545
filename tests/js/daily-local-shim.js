// A stand-in for `@daily-co/daily-js` in pages that run the README's examples: its call objects are
// local ones (the memory transport), which join whatever URL they are given. Test helper.
import { createLocalCallObject } from '/pkg/local.js';

let made = 0;

export default {
  createCallObject: () => createLocalCallObject({ room: 'readme', transport: 'memory', userName: `reader ${++made}` }),
};
