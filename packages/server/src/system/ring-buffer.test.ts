import { describe, expect, it } from 'vitest';
import { RingBuffer } from './ring-buffer.js';

const filled = (capacity: number, count: number): RingBuffer<number> => {
  const ring = new RingBuffer<number>(capacity);
  for (let i = 1; i <= count; i++) ring.push(i);
  return ring;
};

describe('RingBuffer', () => {
  it('keeps the newest items, oldest first', () => {
    expect(filled(3, 2).toArray()).toEqual([1, 2]);
    expect(filled(3, 7).toArray()).toEqual([5, 6, 7]);
    expect(filled(3, 7).length).toBe(3);
  });

  it('shrinks live, keeping the newest', () => {
    const ring = filled(5, 8);
    ring.resize(2);
    expect(ring.toArray()).toEqual([7, 8]);
    ring.push(9);
    expect(ring.toArray()).toEqual([8, 9]);
  });

  it('grows live, keeping everything and making room', () => {
    const ring = filled(3, 5);
    ring.resize(5);
    expect(ring.capacity).toBe(5);
    for (const n of [6, 7, 8]) ring.push(n);
    expect(ring.toArray()).toEqual([4, 5, 6, 7, 8]);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new RingBuffer(0)).toThrow(RangeError);
    expect(() => {
      filled(2, 1).resize(1.5);
    }).toThrow(RangeError);
  });
});
