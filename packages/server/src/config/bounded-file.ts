import { open } from 'node:fs/promises';

/** What a person's JSON file in the data folder may weigh: config.json and job files are a few KB. */
export const MAX_DATA_FILE_BYTES = 1024 * 1024;

/** The file was larger than the caller accepts; nothing was read. */
export class FileTooLargeError extends Error {
  constructor(
    readonly path: string,
    readonly maxBytes: number,
  ) {
    super(`${path} is larger than ${maxBytes} bytes`);
  }
}

/**
 * Reads a text file only if it holds at most `maxBytes`, so a file filled
 * by mistake (or on purpose) cannot take the server's memory. The size is
 * read from the open file, and reading stops at the limit whatever it said.
 */
export async function readBoundedText(path: string, maxBytes: number): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) throw new FileTooLargeError(path, maxBytes);
    // Sized for what stat said; a file that grows meanwhile is read on, up to the limit.
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(Math.max(size, 4096), maxBytes) + 1);
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, total);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) throw new FileTooLargeError(path, maxBytes);
    }
    return Buffer.concat(chunks, total).toString('utf8');
  } finally {
    await handle.close();
  }
}
