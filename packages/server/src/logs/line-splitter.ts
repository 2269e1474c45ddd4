/** What a line longer than the limit ends with once cut. */
export const TRUNCATED_MARK = '…[truncated]';

/** Whole lines read together: `count` lines, joined by newlines in `text`. */
export interface LineBlock {
  text: string;
  count: number;
}

/**
 * Cuts a byte stream into lines: chunks in, blocks of whole lines out, a
 * partial last line kept until its newline comes. A line longer than
 * `maxLineBytes` is handed out cut and marked, and the rest of it skipped,
 * so one endless line cannot fill memory. A carriage return before a
 * newline is dropped. No I/O: the caller reads and delivers.
 */
export class LineSplitter {
  readonly #maxLine: number;
  #partial: Buffer[] = [];
  #partialBytes = 0;
  /** Skipping the rest of a line already handed out cut. */
  #discarding = false;

  constructor(maxLineBytes = 64 * 1024) {
    this.#maxLine = maxLineBytes;
  }

  /** Bytes of a line begun but not finished. */
  get pendingBytes(): number {
    return this.#partialBytes;
  }

  /** The whole lines `chunk` completes, as one block (count 0 when none). */
  consume(chunk: Buffer): LineBlock {
    const block: LineBlock = { text: '', count: 0 };
    let start = 0;
    const last = chunk.lastIndexOf(10);
    if (last !== -1) {
      if (this.#discarding) {
        // The rest of a line already handed out cut ends at the first newline.
        this.#discarding = false;
        const first = chunk.indexOf(10);
        if (last > first) this.#splitLines(chunk, first + 1, last, block);
      } else if (this.#partialBytes > 0) {
        // The line begun in an earlier chunk is decoded with this chunk's lines, as one text.
        this.#partial.push(chunk.subarray(0, last));
        const joined = Buffer.concat(this.#partial);
        this.#partial = [];
        this.#partialBytes = 0;
        this.#splitLines(joined, 0, joined.length, block);
      } else this.#splitLines(chunk, 0, last, block);
      start = last + 1;
    }
    if (!this.#discarding && start < chunk.length) {
      this.#partial.push(Buffer.from(chunk.subarray(start)));
      this.#partialBytes += chunk.length - start;
      if (this.#partialBytes > this.#maxLine) {
        // Hand out the cut line now and skip the rest.
        append(block, this.#decodePartial(), 1);
        this.#discarding = true;
      }
    }
    return block;
  }

  /** A last line without its newline (the writer has ended), as a block; count 0 when none. */
  flush(): LineBlock {
    this.#discarding = false;
    if (this.#partialBytes === 0) return { text: '', count: 0 };
    return { text: this.#decodePartial(), count: 1 };
  }

  /** Forgets a partial line. */
  reset(): void {
    this.#partial = [];
    this.#partialBytes = 0;
    this.#discarding = false;
  }

  /**
   * Adds the lines of `chunk[start, end)`, which ends just before a newline.
   * A burst is mostly ASCII lines of a sensible length: then the decoded
   * text is the block as it is, with no string per line (each character is
   * one byte, so a line's length is its size). Otherwise each line is
   * decoded, stripped of a carriage return and cut on its own.
   */
  #splitLines(chunk: Buffer, start: number, end: number, block: LineBlock): void {
    const text = chunk.toString('utf8', start, end);
    if (text.length === end - start && !text.includes('\r')) {
      let count = 1;
      let longest = 0;
      let from = 0;
      for (let newline = text.indexOf('\n'); newline !== -1; newline = text.indexOf('\n', from)) {
        longest = Math.max(longest, newline - from);
        from = newline + 1;
        count++;
      }
      if (Math.max(longest, text.length - from) <= this.#maxLine) {
        append(block, text, count);
        return;
      }
    }
    for (let at = start; at <= end;) {
      const newline = chunk.indexOf(10, at);
      const stop = newline === -1 || newline > end ? end : newline;
      append(block, this.#decode(chunk, at, stop), 1);
      at = stop + 1;
    }
  }

  /** The pending pieces as one line; they are forgotten. */
  #decodePartial(): string {
    const bytes = Buffer.concat(this.#partial);
    this.#partial = [];
    this.#partialBytes = 0;
    return this.#decode(bytes, 0, bytes.length);
  }

  /** `bytes[start, end)` as a line, decoded in place (a view per line would cost more than the decoding). */
  #decode(bytes: Buffer, start: number, end: number): string {
    if (end - start > this.#maxLine) {
      let cut = start + this.#maxLine;
      // Do not cut through a UTF-8 character.
      while (cut > start && ((bytes[cut] ?? 0) & 0xc0) === 0x80) cut--;
      return bytes.toString('utf8', start, cut) + TRUNCATED_MARK;
    }
    return bytes.toString('utf8', start, end > start && bytes[end - 1] === 13 ? end - 1 : end);
  }
}

/** Adds `count` lines, joined by newlines in `text`, to `block`. */
function append(block: LineBlock, text: string, count: number): void {
  block.text = block.count === 0 ? text : `${block.text}\n${text}`;
  block.count += count;
}
