import { type PoolClient } from 'pg';
import { type RecordedEvent } from '@vigie/event-store';

/** The positions a batch covers: after its checkpoint, up to its last event (included). */
export interface BatchRange {
  readonly after: number;
  readonly upTo: number;
}

/**
 * A read model fed from the global log. `apply` writes the effect of a batch with the
 * client it is given: the runner commits it together with the checkpoint.
 */
export interface Projection {
  /** Checkpoint name; one per read model (and one per rebuild in progress). */
  readonly name: string;
  /** Tables it writes, in a fixed order: a rebuild swaps them pairwise with the live projection's. */
  readonly tables: readonly string[];
  /** Event types whose data `apply` reads; others arrive with `data: null`. Undefined: all. */
  readonly dataOf?: readonly string[];
  /**
   * Event types `apply` is given; the batch's other events stay in the events table, where `apply`
   * reads what it needs of them server-side, between `batch.after` and `batch.upTo`, with the
   * gap-safe predicate (a batch of a million leases then never travels through Node). Undefined: all.
   */
  readonly eventsOf?: readonly string[];
  /** Creates the read-model tables if missing (used for fresh rebuild tables). */
  createTables(client: PoolClient): Promise<void>;
  apply(client: PoolClient, events: readonly RecordedEvent[], batch: BatchRange): Promise<void>;
}
