// A process that contends for a lease, for the store conformance suite's races.
// It opens the store at STORE_URL (from the built module STORE_MODULE) and prints one JSON
// line: {"open":true}, or {"open":false,"code":…} when the store refuses it. Then, for each
// line on stdin: "acquire" takes LEASE for HOLDER (TTL_MS) and prints the grant; "close"
// closes the store and exits.
import { createInterface } from 'node:readline';

const { createStore } = await import(process.env.STORE_MODULE);
const store = createStore(process.env.STORE_URL);
const say = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);

try {
  await store.open();
} catch (error) {
  say({ open: false, code: error.code ?? String(error) });
  process.exit(0);
}
say({ open: true });

for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'acquire') {
    try {
      say(
        await store.leases.acquire(
          process.env.LEASE,
          process.env.HOLDER,
          Number(process.env.TTL_MS),
        ),
      );
    } catch (error) {
      say({ error: error.code ?? String(error) });
    }
  } else if (line === 'close') {
    break;
  }
}
await store.close();
process.exit(0);
