/**
 * The Decider pattern: an aggregate is three pure functions over plain data.
 * `decide` turns a command and the current state into new events (or throws a DomainError),
 * `evolve` folds one recorded event into the state, `initialState` is the state of an empty stream.
 */
export interface Decider<Command, Event, State> {
  decide(command: Command, state: State): Event[];
  /** Receives the event as recorded: the state may keep its id (a cancellation cites the event it cancels). */
  evolve(state: State, event: Recorded<Event>): State;
  readonly initialState: State;
}

/** An event as the log recorded it: its id, and its version in its stream (1 for the first). */
export type Recorded<Event> = Event & { readonly eventId: string; readonly streamVersion: number };

/** Folds a stream's recorded events into the decider's state. */
export function foldEvents<Command, Event, State>(
  decider: Decider<Command, Event, State>,
  events: readonly Recorded<Event>[],
): State {
  return events.reduce((state, event) => decider.evolve(state, event), decider.initialState);
}
