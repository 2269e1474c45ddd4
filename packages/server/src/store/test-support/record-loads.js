// Registered with `node --import`: records every module URL the process loads,
// and prints the list as JSON on stderr at exit, so a test can see what was loaded.
import { register } from 'node:module';

const loaded = [];
const { port1, port2 } = new MessageChannel();
port1.on('message', (url) => loaded.push(url));
port1.unref();
register(
  `data:text/javascript,${encodeURIComponent(`
    let port;
    export function initialize(data) { port = data.port; }
    export async function resolve(specifier, context, next) {
      const result = await next(specifier, context);
      port.postMessage(result.url);
      return result;
    }
  `)}`,
  { data: { port: port2 }, transferList: [port2] },
);
process.on('exit', () => {
  process.stderr.write(`${JSON.stringify({ loaded })}\n`);
});
