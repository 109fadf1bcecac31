import { randomUUID } from 'node:crypto';
import { attributionStreamId, type LeaseSignedData } from '@vigie/domain';
import { leaseSignedData } from '@vigie/domain/testing/attribution.builders.js';
import { type NewEvent, type StreamAppend } from '@vigie/event-store';

const EPCIS = ['200093201', '245900410', '200040715', '246700488', '243100518'];
const BAILLEURS = ['lmh', 'vilogia', 'partenord', 'sia', 'notre-logis', 'maisons-et-cites'];
const RESERVATAIRES = [null, 'action-logement', 'etat-59', 'mel', 'departement-59'];

/** A deterministic spread of signed leases over EPCIs, bailleurs, réservataires, years and QPV sides. */
export function syntheticLease(i: number): LeaseSignedData {
  // A multiplicative hash spreads i over the dimensions independently.
  const h = Math.imul(i + 1, 2654435761) >>> 0;
  const pick = <T>(values: readonly T[], shift: number): T => values[(h >>> shift) % values.length]!;
  return leaseSignedData({
    leaseId: `BAIL-${i}`,
    caseId: `D-${i}`,
    bailleurId: pick(BAILLEURS, 0),
    leaseDate: `${2024 + ((h >>> 4) % 3)}-${String(1 + ((h >>> 7) % 12)).padStart(2, '0')}-${String(1 + ((h >>> 11) % 28)).padStart(2, '0')}`,
    flat: {
      epciSiren: pick(EPCIS, 16),
      qpvCode: (h >>> 20) % 4 === 0 ? `QN0590${String((h >>> 22) % 100).padStart(2, '0')}M` : null,
    },
    household: { pseudonymousId: `hh-${String(i).padStart(8, '0')}`, yearlyResources: 5_000 + ((h >>> 3) % 40_000) },
    reservataireId: pick(RESERVATAIRES, 24),
  });
}

export function leaseEvent(i: number): { streamId: string; event: NewEvent } {
  const data = syntheticLease(i);
  return {
    streamId: attributionStreamId(data.bailleurId, data.caseId),
    event: { eventId: randomUUID(), type: 'LeaseSigned', data, metadata: { actor: 'test', source: 'fixture' } },
  };
}

/** `count` leases, one stream each, grouped into appendMany calls of `perCall`. */
export function leaseAppendBatches(from: number, count: number, perCall: number): StreamAppend[][] {
  const batches: StreamAppend[][] = [];
  for (let start = from; start < from + count; start += perCall) {
    const batch: StreamAppend[] = [];
    for (let i = start; i < Math.min(start + perCall, from + count); i += 1) {
      const { streamId, event } = leaseEvent(i);
      batch.push({ streamId, events: [event], expectedVersion: 'no_stream' });
    }
    batches.push(batch);
  }
  return batches;
}
