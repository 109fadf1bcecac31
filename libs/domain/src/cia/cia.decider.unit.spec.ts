import { deciderSpecification } from '../testing/decider-specification.js';
import { ciaDecider } from './cia.decider.js';
import type { CiaEvent } from './cia.events.js';

const { given } = deciderSpecification(ciaDecider);
const MEL = '200093201';

const adopted = (terms = {}): CiaEvent => ({ type: 'CiaAdopted', data: { epciSiren: MEL, adoptedOn: '2025-06-30', terms } });
const threshold = (year: number, amountPerUc: number, correction = false): CiaEvent => ({
  type: 'QuartileThresholdPublished',
  data: { epciSiren: MEL, year, amountPerUc, source: `arrêté ${year}`, correction },
});

describe('CIA of an EPCI', () => {
  describe('before adoption', () => {
    it('adopts the CIA with the terms given', () => {
      given([])
        .when({
          type: 'AdoptCia',
          data: { epciSiren: MEL, adoptedOn: '2025-06-30', terms: { objectives: { qnq1: { target: 0.55 } } } },
        })
        .then([adopted({ objectives: { qnq1: { target: 0.55 } } })]);
    });

    it('refuses an amendment', () => {
      given([])
        .when({ type: 'AmendCia', data: { epciSiren: MEL, amendedOn: '2026-01-10', terms: {} } })
        .thenThrows('CIA_NOT_ADOPTED');
    });

    it('refuses a target outside 0–100 %', () => {
      given([])
        .when({
          type: 'AdoptCia',
          data: { epciSiren: MEL, adoptedOn: '2025-06-30', terms: { objectives: { hq1: { target: 25 } } } },
        })
        .thenThrows('CIA_TARGET_OUT_OF_RANGE', { path: 'objectives.hq1.target' });
    });

    it('refuses a territorialised objective on a sector the CIA does not define', () => {
      given([])
        .when({
          type: 'AdoptCia',
          data: {
            epciSiren: MEL,
            adoptedOn: '2025-06-30',
            terms: {
              territorialObjectives: [
                { id: 't1', label: 'Roubaix', objective: 'HQ1', target: 0.3, filter: { sectorId: 'nope' } },
              ],
            },
          },
        })
        .thenThrows('CIA_SECTOR_UNKNOWN');
    });
  });

  describe('once adopted', () => {
    it('refuses a second adoption', () => {
      given([adopted()])
        .when({ type: 'AdoptCia', data: { epciSiren: MEL, adoptedOn: '2026-01-01', terms: {} } })
        .thenThrows('CIA_ALREADY_ADOPTED');
    });

    it('records an amendment', () => {
      given([adopted()])
        .when({
          type: 'AmendCia',
          data: { epciSiren: MEL, amendedOn: '2026-01-10', terms: { objectives: { hq1: { target: 0.3 } } } },
        })
        .then([
          {
            type: 'CiaAmended',
            data: { epciSiren: MEL, amendedOn: '2026-01-10', terms: { objectives: { hq1: { target: 0.3 } } } },
          },
        ]);
    });
  });

  describe('first-quartile thresholds', () => {
    it('publishes a year’s threshold', () => {
      given([])
        .when({
          type: 'PublishQuartileThreshold',
          data: { epciSiren: MEL, year: 2026, amountPerUc: 9_850, source: 'arrêté 2026' },
        })
        .then([threshold(2026, 9_850)]);
    });

    it('marks a new amount for the same year as a correction', () => {
      given([threshold(2026, 9_850)])
        .when({
          type: 'PublishQuartileThreshold',
          data: { epciSiren: MEL, year: 2026, amountPerUc: 9_900, source: 'arrêté 2026' },
        })
        .then([threshold(2026, 9_900, true)]);
    });

    it('refuses the same amount twice', () => {
      given([threshold(2026, 9_850)])
        .when({ type: 'PublishQuartileThreshold', data: { epciSiren: MEL, year: 2026, amountPerUc: 9_850, source: 'x' } })
        .thenThrows('THRESHOLD_UNCHANGED');
    });
  });
});
