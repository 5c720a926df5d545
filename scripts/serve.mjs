// Serves the repo's www/ at / and the built package at /pkg/, for `npm start`.
import { startServer } from '../tests/page/harness.mjs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const port = Number(process.env.PORT || 8080);
const server = await startServer({ root, port, index: '/www/index.html' });
console.log(`daily-sync demo: ${server.url}/www/`);
