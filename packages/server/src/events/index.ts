export {
  EventBus,
  type EventBusOptions,
  type EventFilter,
  type EventMessage,
  type EventPublisher,
} from './bus.js';
export { liveRoutes, type LiveRoutesOptions } from './live-routes.js';
export { MAX_CLIENT_MESSAGE } from './live-socket.js';
export { MAX_SUBSCRIPTIONS } from './mux-route.js';
export { eventRoutes } from './routes.js';
export { EVENT_NAMES, isEventName } from './names.js';
export type { BusEvent, EventName, WorkloadEvents } from './types.js';
