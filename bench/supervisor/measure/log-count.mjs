// Counts the burst fixture's lines in a log file or in a tail process's output.
import { open } from 'node:fs/promises';
import { epochNow } from './wait.mjs';

const MARKER = 'burst-line ';
const START = /^burst-start (\d+(?:\.\d+)?)$/m;
// Shorter than a marker, so nothing counted is counted again, and long enough
// to rejoin a marker (or 'burst-start') cut between two chunks.
const CARRY = MARKER.length - 1;

/**
 * Follows a log file as it grows and counts its newlines. The first line the
 * fixture writes tells when its process started (epoch ms).
 */
export class FileLineCounter {
  #path;
  #offset = 0;
  #head = '';
  lines = 0;
  startedAt = null;
  completedAt = null;

  constructor(path) {
    this.#path = path;
  }

  /** Reads what was appended since the last call; returns the line count. */
  async poll() {
    let handle;
    try {
      handle = await open(this.#path, 'r');
    } catch (error) {
      if (error.code === 'ENOENT') return this.lines;
      throw error;
    }
    try {
      const buffer = Buffer.allocUnsafe(1 << 20);
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.#offset);
        if (bytesRead === 0) break;
        this.#offset += bytesRead;
        const chunk = buffer.subarray(0, bytesRead);
        if (this.startedAt === null) {
          this.#head += chunk.toString('latin1', 0, Math.min(bytesRead, 256));
          const match = START.exec(this.#head);
          if (match) this.startedAt = Number(match[1]);
        }
        let at = -1;
        while ((at = chunk.indexOf(10, at + 1)) !== -1) this.lines += 1;
      }
    } finally {
      await handle.close();
    }
    return this.lines;
  }
}

/**
 * Counts the burst lines a tail process prints. It does not count newlines:
 * `pm2 logs --raw` prints each chunk it receives with its own newline, so a
 * line cut between two chunks shows as two. Newlines are dropped and the
 * markers counted instead, which is exact whatever the chunking.
 */
export class StreamLineCounter {
  #carry = '';
  lines = 0;
  sawStart = false;
  firstAt = null;
  completedAt = null;

  constructor(expected) {
    this.expected = expected;
  }

  push(chunk) {
    const text = this.#carry + chunk.toString('latin1').replaceAll('\n', '');
    if (!this.sawStart && text.includes('burst-start')) this.sawStart = true;
    let at = -1;
    while ((at = text.indexOf(MARKER, at + 1)) !== -1) this.lines += 1;
    this.#carry = text.slice(-CARRY);
    if (this.firstAt === null && this.lines > 0) this.firstAt = epochNow();
    if (this.completedAt === null && this.lines >= this.expected) this.completedAt = epochNow();
  }
}
