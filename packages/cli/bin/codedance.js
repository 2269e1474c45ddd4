#!/usr/bin/env node
import { main } from '../dist/main.js';

// main() resolves only when the command is done (for `server`, once it has
// stopped), so exiting here never cuts a command short. Exiting explicitly
// keeps a stray timer in a dependency from holding the process open.
const code = await main(process.argv);
// Writes to a pipe are asynchronous: wait until stdout and stderr have flushed,
// or the end of a long output would be lost at exit.
await Promise.all(
  [process.stdout, process.stderr].map(
    (stream) => new Promise((resolve) => stream.write('', resolve)),
  ),
);
process.exit(code);
