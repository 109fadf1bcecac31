import { type EventStore } from './event-store.port.js';

/** What folding a stream needs of a decider (structurally: any Decider fits). */
export interface StreamFold<Event, State> {
  evolve(state: State, event: Event & { readonly eventId: string; readonly streamVersion: number }): State;
  readonly initialState: State;
}

/** Loads a stream and folds it: the state to decide on, and the version to expect when appending. */
export async function loadAggregate<Event extends { type: string; data: unknown }, State>(
  store: EventStore,
  streamId: string,
  fold: StreamFold<Event, State>,
): Promise<{ state: State; version: number }> {
  const { events, version } = await store.readStream(streamId);
  const state = events.reduce(
    (current, event) =>
      fold.evolve(current, {
        ...({ type: event.type, data: event.data } as Event),
        eventId: event.eventId,
        streamVersion: event.streamVersion,
      }),
    fold.initialState,
  );
  return { state, version };
}
