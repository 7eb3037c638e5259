// Runs in a fresh Node process (plain JavaScript, no TypeScript loader, so nothing else is warm):
// imports one bundle, prints the milliseconds the import took and any network call the import tried,
// as one JSON line after a marker.
import dns from 'node:dns';
import { syncBuiltinESMExports } from 'node:module';
import net from 'node:net';
import { pathToFileURL } from 'node:url';

const MARKER = '@@import-probe ';

const bundle = process.argv[2];
if (!bundle) {
  process.stderr.write('usage: import-probe.mjs <bundle.mjs>\n');
  process.exit(2);
}
const url = pathToFileURL(bundle).href;

// In Lambda the runtime has written to stdout and stderr, and used node:net and node:dns for its own
// HTTP calls, before it imports the handler; do the same here, so no handler is charged for them.
void process.stdout;
void process.stderr;

// Importing must not reach the network: every way out is refused and written down. Sockets (http,
// https, tls and fetch all connect through net.Socket), DNS lookups, fetch itself.
const attempts = [];
const refuse = (what) => {
  attempts.push(what);
  throw new Error(`network call during import refused: ${what}`);
};
net.Socket.prototype.connect = function connect(...args) {
  // net.connect() hands over [options, callback]; socket.connect() takes (options | port, host?).
  const [first, host] = Array.isArray(args[0]) ? args[0] : args;
  const where =
    typeof first === 'object' && first !== null ? `${first.host ?? first.path ?? ''}:${first.port ?? ''}` : `${host ?? ''}:${first}`;
  return refuse(`socket connect ${where}`);
};
for (const name of ['lookup', 'resolve', 'resolve4', 'resolve6', 'resolveAny']) {
  dns[name] = (host) => refuse(`dns.${name} ${host}`);
  dns.promises[name] = async (host) => refuse(`dns.promises.${name} ${host}`);
}
globalThis.fetch = async (input) => refuse(`fetch ${String(input instanceof Request ? input.url : input)}`);
// `import { lookup } from 'node:dns'` sees the replacements only after this.
syncBuiltinESMExports();

let ms;
let error;
const start = performance.now();
try {
  await import(url);
  ms = performance.now() - start;
} catch (e) {
  error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

// Work the import scheduled for later (a promise chain, a timer of 0) gets a turn to show itself.
await new Promise((resolve) => setTimeout(resolve, 10));

process.stdout.write(`${MARKER}${JSON.stringify({ ms, error, network: attempts })}\n`);
// The handler's clients may hold nothing open, but nothing may keep this process alive either.
process.exit(0);
