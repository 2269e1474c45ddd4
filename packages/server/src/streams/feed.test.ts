import { describe, expect, it } from 'vitest';
import { Feed, type DroppedMarker } from './feed.js';
import { SeqRing } from './seq-ring.js';

interface Item {
  seq: number;
}

async function until(what: string, probe: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * A stream whose store is a list and whose memory is a small ring. `stored`
 * is what the archive can see: tests hold back the newest items from a pass
 * to play an archive that ends before the stream does.
 */
function stream(ringSize: number) {
  const ring = new SeqRing<Item>(ringSize);
  const store: Item[] = [];
  let last = 0;
  const passes: number[] = [];
  let visible = (): number => last;
  const feed = new Feed<Item, Item>(
    {
      lastSeq: () => last,
      memory: ring,
      archive: async function* (after) {
        passes.push(after);
        const upTo = visible();
        await Promise.resolve();
        yield store.filter((item) => item.seq > after && item.seq <= upTo);
      },
    },
    (item) => item,
    { onError: (error) => expect.fail(String(error)) },
  );
  const add = (count: number): void => {
    for (let i = 0; i < count; i++) {
      const item = { seq: ++last };
      store.push(item);
      ring.push(item);
      feed.offer(item);
    }
  };
  return {
    feed,
    add,
    store,
    passes,
    setVisible: (probe: () => number) => (visible = probe),
  };
}

function recorder() {
  const got: (Item | DroppedMarker)[] = [];
  return { got, send: (message: Item | DroppedMarker) => (got.push(message), true) };
}

describe('Feed catch-up', () => {
  it('reads the archive again when what was stored during a pass has left memory meanwhile', async () => {
    const s = stream(10);
    s.add(100);
    // The first pass sees the store as it was when the reader reached its end (seq 100) while
    // 50 more items arrive and push memory's floor past it.
    let calls = 0;
    s.setVisible(() => {
      calls++;
      if (calls === 1) {
        s.add(50);
        return 100;
      }
      return 150;
    });
    const client = recorder();
    let ready: number | null = null;
    s.feed.subscribe(() => true, 0, client.send, { onReady: (seq) => (ready = seq) });
    await until('ready', () => ready !== null);
    expect(client.got.map((m) => ('type' in m ? m.type : m.seq))).toEqual(
      Array.from({ length: 150 }, (_, i) => i + 1),
    );
    expect(s.passes).toEqual([0, 100]);
  });

  it('skips to memory when a pass finds nothing newer: those items were removed on purpose', async () => {
    const s = stream(10);
    s.add(100);
    // A cleared store: the archive holds nothing below memory.
    s.store.splice(0, 90);
    const client = recorder();
    let ready = false;
    s.feed.subscribe(() => true, 0, client.send, { onReady: () => (ready = true) });
    await until('ready', () => ready);
    expect(client.got.map((m) => ('type' in m ? m.type : m.seq))).toEqual(
      Array.from({ length: 10 }, (_, i) => i + 91),
    );
    expect(s.passes).toEqual([0]);
  });
});
