import { Output } from '../output.js';

/** A colourless Output that keeps what it writes, for tests of what commands print. */
export function bufferedOutput(): { out: Output; stdout: () => string; stderr: () => string } {
  let stdout = '';
  let stderr = '';
  const out = new Output(
    {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
    },
    { json: false, colour: false },
  );
  return { out, stdout: () => stdout, stderr: () => stderr };
}
