import { Inject, Injectable } from '@nestjs/common';
import {
  type AttributionEvent,
  attributionDecider,
  type AttributionState,
  compositeKey,
  type ExistingLease,
  type LeaseIdentity,
  leaseIdentityOf,
  type LeaseSignedData,
} from '@vigie/domain';
import type { AppendCondition, TransactionReader } from '@vigie/event-store';
import type { DatabasePool } from '@vigie/postgres';
import { LEASE_HOUSEHOLD } from './attribution.migrations.js';
import { DATABASE_POOL } from '../platform/platform.module.js';

/** Every event of the cases where this household ever signed (or was corrected into) a lease. */
const CASES_OF_HOUSEHOLD = `
  SELECT stream_id, stream_version, event_id, event_type, data, global_position
  FROM events
  WHERE stream_id IN (
    SELECT stream_id FROM events
    WHERE event_type IN ('LeaseSigned', 'LeaseCorrected') AND ${LEASE_HOUSEHOLD} = ANY($1::text[])
  )
  ORDER BY stream_id, stream_version`;

interface EventRow {
  stream_id: string;
  stream_version: number;
  event_id: string;
  event_type: string;
  data: unknown;
  global_position: string;
}

/**
 * The leases in force that are the same lease as another (the same household, flat and lease
 * date at the same bailleur: `leaseIdentityOf`), read from the recorded facts (the case streams
 * themselves, no projection lag): what the decider needs to refuse a probable duplicate, and the
 * condition that makes the refusal race-safe. Two sends of the same lease under two references at
 * once are serialised on the lease's identity when appended: the second reads the first's lease
 * and is decided again, so exactly one is recorded and the other refused quoting it.
 */
@Injectable()
export class SameLeasesService {
  constructor(@Inject(DATABASE_POOL) private readonly pool: DatabasePool) {}

  /** The bailleur's leases in force with this identity, in the order their current version was recorded. */
  async find(identity: LeaseIdentity, reader: TransactionReader = this.reader()): Promise<ExistingLease[]> {
    return (await this.findMany([identity], reader))[0]!;
  }

  /**
   * `find` for many identities in one query (an import chunk): for each identity, in the order
   * given, the leases in force with it, in the order their current version was recorded.
   */
  async findMany(identities: readonly LeaseIdentity[], reader: TransactionReader = this.reader()): Promise<ExistingLease[][]> {
    if (!identities.length) return [];
    const households = [...new Set(identities.map((identity) => identity.householdId))];
    const { rows } = await reader.query<EventRow>(CASES_OF_HOUSEHOLD, [households]);
    const inForce: { lease: LeaseSignedData; existing: ExistingLease; position: number }[] = [];
    let index = 0;
    while (index < rows.length) {
      const streamId = rows[index]!.stream_id;
      let state: AttributionState = attributionDecider.initialState;
      const positions = new Map<string, number>();
      for (; index < rows.length && rows[index]!.stream_id === streamId; index += 1) {
        const row = rows[index]!;
        positions.set(row.event_id, Number(row.global_position));
        state = attributionDecider.evolve(state, {
          type: row.event_type,
          data: row.data,
          eventId: row.event_id,
          streamVersion: row.stream_version,
        } as AttributionEvent & { eventId: string; streamVersion: number });
      }
      if (state.status === 'leased' && state.leaseEventId) {
        const { leaseId, caseId } = state.lease;
        inForce.push({
          lease: state.lease,
          existing: { leaseId, caseId, eventId: state.leaseEventId },
          position: positions.get(state.leaseEventId)!,
        });
      }
    }
    inForce.sort((a, b) => a.position - b.position);
    // Grouped by identity once: an import chunk sent again asks for a thousand identities, each with its lease in force.
    const byIdentity = new Map<string, ExistingLease[]>();
    for (const { lease, existing } of inForce) {
      const key = identityKey(leaseIdentityOf(lease));
      byIdentity.set(key, [...(byIdentity.get(key) ?? []), existing]);
    }
    return identities.map((identity) => byIdentity.get(identityKey(identity)) ?? []);
  }

  /** Appended with a lease: the same leases as when it was decided, read again under a lock on the identity. */
  condition(identity: LeaseIdentity, seen: readonly ExistingLease[]): AppendCondition {
    const condition: SameLeaseCondition = {
      key: identityKey(identity),
      identity,
      seen,
      stillHolds: async (reader) => (await this.checkTogether(reader, [condition])).length === 0,
      checkTogether: this.checkTogether,
    };
    return condition;
  }

  /** The conditions whose identity's leases changed since they were decided: one query for them all. */
  private readonly checkTogether = async (
    reader: TransactionReader,
    conditions: readonly AppendCondition[],
  ): Promise<readonly AppendCondition[]> => {
    const own = conditions as readonly SameLeaseCondition[];
    const now = await this.findMany(
      own.map((condition) => condition.identity),
      reader,
    );
    return own.filter(
      (condition, i) =>
        now[i]!.length !== condition.seen.length || now[i]!.some((lease, j) => lease.eventId !== condition.seen[j]!.eventId),
    );
  };

  private reader(): TransactionReader {
    return {
      query: <Row>(text: string, values?: readonly unknown[]) =>
        this.pool.query(text, values as unknown[] | undefined) as unknown as Promise<{ rows: Row[] }>,
    };
  }
}

interface SameLeaseCondition extends AppendCondition {
  readonly identity: LeaseIdentity;
  readonly seen: readonly ExistingLease[];
}

/** An identity as a map key (its four parts each escaped, so that two identities never share a key). */
const identityKey = (identity: LeaseIdentity) =>
  compositeKey('lease-identity', identity.bailleurId, identity.householdId, identity.rplsId, identity.leaseDate);
