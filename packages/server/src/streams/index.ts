/** Sequenced streams with replay: what the event bus and the log hub both publish through. */
export {
  Feed,
  type DroppedMarker,
  type FeedHistory,
  type SeqMemory,
  type Send,
  type SubscribeOptions,
} from './feed.js';
export { SeqRing } from './seq-ring.js';
