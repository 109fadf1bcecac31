/**
 * The Decider pattern: an aggregate is three pure functions over plain data.
 * `decide` turns a command and the current state into new events (or throws a DomainError),
 * `evolve` folds one event into the state, `initialState` is the state of an empty stream.
 */
export interface Decider<Command, Event, State> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  readonly initialState: State;
}

/** Folds a stream's past events into the decider's state. */
export function foldEvents<Command, Event, State>(decider: Decider<Command, Event, State>, events: readonly Event[]): State {
  return events.reduce((state, event) => decider.evolve(state, event), decider.initialState);
}
