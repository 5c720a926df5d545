// Serves the demo (www/) at / and the rest of the repo behind it (the built package at /pkg/,
// daily-js at /node_modules/@daily-co/daily-js/), for `npm start`.
import { fileURLToPath } from 'node:url';
import { startServer } from '../tests/page/harness.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const port = Number(process.env.PORT ?? 8080);
const server = await startServer({ root, site: `${root}/www`, port });
console.log(`daily-sync demo: ${server.url}/`);
