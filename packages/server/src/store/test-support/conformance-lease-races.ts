import { describe, expect, it } from 'vitest';
import type { LeaseGrant } from '../types.js';
import { Contender } from './contenders.js';
import type { Harness } from './harness.js';
import { eventually } from './servers.js';

const RACERS = 6;
/** Fewer processes than calls: each loads a whole store, and the machine may have two cores. */
const PROCESSES = 4;

/** Exactly one of the grants won; the others name the winner and its token. */
function expectOneWinner(grants: LeaseGrant[]): LeaseGrant {
  const won = grants.filter((g) => g.acquired);
  expect(won).toHaveLength(1);
  const winner = won[0] as LeaseGrant;
  expect(winner.token).toBe(1);
  for (const grant of grants) {
    expect(grant).toMatchObject({ holder: winner.holder, token: winner.token });
  }
  return winner;
}

export function describeLeaseRaces(h: Harness): void {
  describe('racing for a lease', () => {
    it('many calls at once through one store: exactly one wins', async () => {
      const grants = await Promise.all(
        Array.from({ length: RACERS }, (_, i) => h.store.leases.acquire('race', `h${i}`, 60_000)),
      );
      const winner = expectOneWinner(grants);
      expect((await h.store.leases.read('race')).holder).toBe(winner.holder);
    });

    it('stores of their own on the same data: exactly one wins (or only one can open it)', async () => {
      const peers = Array.from({ length: RACERS }, () => h.peer());
      if (h.exclusive) {
        // The JSON file admits one open store: the others are refused before they can contend.
        await expect(peers[0]?.open()).rejects.toMatchObject({ code: 'CD_STORE_UNAVAILABLE' });
        return;
      }
      await Promise.all(peers.map((peer) => peer.open()));
      const grants = await Promise.all(
        peers.map((peer, i) => peer.leases.acquire('race', `p${i}`, 60_000)),
      );
      const winner = expectOneWinner(grants);
      expect((await h.store.leases.read('race')).holder).toBe(winner.holder);
    });

    it('processes of their own on the same data: exactly one wins', async () => {
      // Each process opens its own store, as another server would; this one lets go of the
      // data first, since the JSON file admits one process at a time.
      await h.store.close();
      const racers = Array.from(
        { length: PROCESSES },
        (_, i) => new Contender(h.url, 'race', `proc-${i}`, 60_000),
      );
      try {
        const opened = await Promise.all(racers.map((r) => r.opened()));
        const open = racers.filter((_, i) => opened[i]?.open);
        if (h.exclusive) {
          expect(open).toHaveLength(1);
          for (const refused of opened.filter((o) => !o.open)) {
            expect(refused.code).toBe('CD_STORE_UNAVAILABLE');
          }
        } else {
          expect(open).toHaveLength(PROCESSES);
        }
        const winner = expectOneWinner(await Promise.all(open.map((r) => r.acquire())));
        await Promise.all(racers.map((r) => r.close()));
        await h.store.open();
        expect((await h.store.leases.read('race')).token).toBe(winner.token);
      } finally {
        await Promise.all(racers.map((r) => r.kill()));
      }
    });

    it('a holder killed outright loses the lease after its ttl; the next holder gets a larger token', async () => {
      await h.store.close();
      const doomed = new Contender(h.url, 'leader', 'doomed', 1_000);
      try {
        expect((await doomed.opened()).open).toBe(true);
        const held = await doomed.acquire();
        expect(held).toMatchObject({ acquired: true, token: 1 });
        await doomed.kill();
        await h.store.open();
        // The dead holder's lease runs out by the store's clock (the test clock for SQLite and
        // the JSON file, already years past it; real time for PostgreSQL and Redis).
        h.clock.advance(1_001);
        const next = await eventually(async () => {
          const grant = await h.store.leases.acquire('leader', 'survivor', 60_000);
          expect(grant.acquired).toBe(true);
          return grant;
        }, 10_000);
        expect(next).toMatchObject({ holder: 'survivor', token: 2 });
      } finally {
        await doomed.kill();
      }
    });
  });
}
