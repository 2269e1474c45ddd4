import { Type, type Static } from 'typebox';
import { Open } from './common.js';
import { PageAnswer } from './paging.js';

/** One workload event, as `/api/events` lists it and `/ws/events` sends it. */
export const EventSchema = Type.Object({
  seq: Type.Integer(),
  time: Type.String(),
  type: Type.String(),
  data: Open('EventData', "The event's own fields; each event name documents its own."),
});
export type BusEvent = Static<typeof EventSchema>;

/** `GET /api/events`: newest first unless order=asc, and the newest seq. */
export const EventListSchema = Type.Object({
  ...PageAnswer('events', EventSchema).properties,
  lastSeq: Type.Integer(),
});
export type EventList = Static<typeof EventListSchema>;
