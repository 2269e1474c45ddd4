#!/usr/bin/env node
import { main } from '../dist/main.js';

// main() resolves only when the command is done (for `server`, once it has
// stopped), so exiting here never cuts a command short. Exiting explicitly
// keeps a stray timer in a dependency from holding the process open.
const code = await main(process.argv);
process.exit(code);
