import { type Decider, foldEvents, type Recorded } from '../decider.js';
import { DomainError } from '../domain-error.js';

/** The given events as recorded: `ev-1`, `ev-2`… in stream order, unless an event brings its own id. */
export function recorded<Event>(events: readonly Event[]): Recorded<Event>[] {
  return events.map((event, index) => ({ eventId: `ev-${index + 1}`, streamVersion: index + 1, ...event }));
}

/**
 * Given/when/then specifications for deciders:
 *   given([leaseSigned()]).when(recordSignedLease()).thenThrows('LEASE_ALREADY_SIGNED')
 * The given events are recorded as `ev-1`, `ev-2`… (what a rule citing an event id sees).
 */
export function deciderSpecification<Command, Event, State>(decider: Decider<Command, Event, State>) {
  return {
    given(events: readonly Event[]) {
      return {
        when(command: Command) {
          const run = () => decider.decide(command, foldEvents(decider, recorded(events)));
          return {
            then(expected: readonly Event[]): void {
              expect(run()).toEqual(expected);
            },
            thenThrows(code: string, details?: Record<string, unknown>): void {
              let thrown: unknown;
              try {
                run();
              } catch (error) {
                thrown = error;
              }
              expect(thrown).toBeInstanceOf(DomainError);
              expect((thrown as DomainError).code).toBe(code);
              if (details) expect((thrown as DomainError).details).toMatchObject(details);
            },
          };
        },
      };
    },
  };
}
