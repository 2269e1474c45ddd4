export { EventBus, type EventBusOptions, type EventFilter, type EventMessage } from './bus.js';
export {
  Feed,
  type DroppedMarker,
  type FeedHistory,
  type Send,
  type SubscribeOptions,
} from './feed.js';
export { liveRoutes, type LiveRoutesOptions } from './live-routes.js';
export { MAX_CLIENT_MESSAGE } from './live-socket.js';
export { MAX_SUBSCRIPTIONS } from './mux-route.js';
export { eventRoutes } from './routes.js';
export { EVENT_NAMES, isEventName } from './names.js';
export { SeqRing } from './seq-ring.js';
export type { BusEvent, EventName, WorkloadEvents } from './types.js';
