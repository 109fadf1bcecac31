import { type Migration } from '@vigie/postgres';
import { leaseFactsFluxIndexesDdl } from '../compliance/compliance.projection.js';
import { fluxTablesDdl } from './flux.projection.js';
import { moveStreamsSql } from '../stream-ids.migration.js';

export const FLUX_STREAMS_MIGRATION_ID = 'projections/009-flux-flat-streams';

/**
 * One-time move of the flux streams from one per bailleur and year (`flux:{bailleurId}:{year}`,
 * filed by the year of each fact's own date) to one per flat (`flux-flat:{bailleurId}:{rplsId}`,
 * `flatStreamId` in libs/domain), so that a flat's life crosses 31 December and the decider
 * folds one flat, not a whole year.
 *
 * Chosen over an upcaster: an old stream holds many flats and a flat's life may lie in two old
 * streams (a release in December, its orientation in January), so reading a flat's stream through
 * an upcaster would mean reading every year's stream of the bailleur at every write, for ever;
 * and the ids the store, the relay and the idempotency check see would differ from the recorded
 * ones. Every flux event names its bailleur and flat, so the new id is computed from the event
 * itself (through `vigie_key_part`, the SQL twin of `keyPart`), once, under the migration lock,
 * in one transaction, logged in `stream_id_moves` like `projections/008-stream-ids`. Events keep
 * their global positions, ids, data and metadata; versions are renumbered in position order within
 * each flat's stream. Events already published to Kafka keep the key they were published with.
 */
export const fluxStreamsMigration: Migration = {
  id: FLUX_STREAMS_MIGRATION_ID,
  sql: `
    CREATE TEMP TABLE flux_moved ON COMMIT DROP AS
      SELECT global_position, stream_id AS old_id,
             'flux-flat:' || vigie_key_part(data->>'bailleurId') || ':' || vigie_key_part(data->>'rplsId') AS new_id
        FROM events WHERE stream_id LIKE 'flux:%';

    ${moveStreamsSql('flux_moved', 'flux streams: % events name no bailleur or flat')}
  `,
};

/** The flux read models (filled by the flux projection from position 0 on its first run). */
export const fluxTablesMigration: Migration = {
  id: 'projections/010-flux-read-models',
  sql: `${fluxTablesDdl()} ${leaseFactsFluxIndexesDdl()}`,
};
