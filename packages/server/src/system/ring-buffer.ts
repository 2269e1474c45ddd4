/**
 * A fixed-capacity buffer that forgets its oldest items. The capacity can
 * change while it holds items; shrinking keeps the newest.
 */
export class RingBuffer<T> {
  #slots: (T | undefined)[];
  #start = 0;
  #length = 0;

  constructor(capacity: number) {
    RingBuffer.#check(capacity);
    this.#slots = new Array<T | undefined>(capacity);
  }

  get capacity(): number {
    return this.#slots.length;
  }

  get length(): number {
    return this.#length;
  }

  /** Adds an item, dropping the oldest when full. */
  push(item: T): void {
    const capacity = this.#slots.length;
    this.#slots[(this.#start + this.#length) % capacity] = item;
    if (this.#length < capacity) this.#length++;
    else this.#start = (this.#start + 1) % capacity;
  }

  /** The items, oldest first. */
  toArray(): T[] {
    const items: T[] = [];
    for (let i = 0; i < this.#length; i++)
      items.push(this.#slots[(this.#start + i) % this.#slots.length] as T);
    return items;
  }

  /** Changes the capacity; when it shrinks below the count held, the oldest go. */
  resize(capacity: number): void {
    RingBuffer.#check(capacity);
    if (capacity === this.#slots.length) return;
    const kept = this.toArray().slice(-capacity);
    this.#slots = new Array<T | undefined>(capacity);
    kept.forEach((item, i) => (this.#slots[i] = item));
    this.#start = 0;
    this.#length = kept.length;
  }

  static #check(capacity: number): void {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`capacity must be a positive integer, not ${capacity}`);
  }
}
