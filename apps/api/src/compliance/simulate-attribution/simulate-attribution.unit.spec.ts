import {
  evaluateCompliance,
  legalDefaultCia,
  NO_HOUSEHOLD_FLAGS,
  SIMULATION_GROUP_BYS,
  simulateAttribution,
  simulationBase,
  type ComplianceRules,
  type LeaseFact,
} from '@vigie/domain';
import { parisTimesReplacer } from '../../http/paris-times.js';
import { simulationJson, type SimulatedScopeView, type SimulationView } from './simulate-attribution.service.js';

const MEL = '200093201';
const referenceDate = '2026-10-27';
const lease = (over: Partial<LeaseFact>): LeaseFact => ({
  leaseDate: '2026-03-02',
  bailleurId: 'lmh',
  reservataireId: 'action-logement',
  communeInsee: '59350',
  qpvCode: null,
  composition: { personsAged14OrMore: 1, childrenUnder14: 2 },
  yearlyResources: 9_800,
  flags: { ...NO_HOUSEHOLD_FLAGS, dalo: true },
  ...over,
});

describe('The answer of a simulation as JSON text (simulationJson)', () => {
  it('is byte for byte what Express writes of the view, scopes shared between candidates included', () => {
    const rules: ComplianceRules = { cia: legalDefaultCia(MEL, 2026), thresholdPerUc: 10_000 };
    const facts = [lease({}), lease({ yearlyResources: 30_000, reservataireId: null }), lease({ qpvCode: 'QN05901M' })];
    const base = simulationBase({
      reports: SIMULATION_GROUP_BYS.map((groupBy) =>
        evaluateCompliance(facts, rules, { epciSiren: MEL, year: 2026, groupBy, referenceDate }),
      ),
      rules,
      epciSiren: MEL,
      year: 2026,
      referenceDate,
    });
    const { reading, scopes } = simulateAttribution(base, lease({ leaseDate: '2026-10-20' }));
    const views: SimulatedScopeView[] = scopes.map(({ before, after, ...rest }) => ({
      ...rest,
      before,
      after,
      // A label no JSON key can be confused with: the candidates' array is spliced in by its key.
      label: `${rest.label} "candidates":[] « guillemets »`,
    }));
    const masked = { ...views[0]!, before: { ...views[0]!.before, numerator: null, rate: null, masked: ['numerator'] } };
    const view = {
      epciSiren: MEL,
      bailleurId: 'lmh',
      year: 2026,
      leaseDate: '2026-10-20',
      referenceDate,
      recorded: false,
      asOf: { position: 42, live: true },
      freshness: { position: 42, lastEventAt: '2026-10-27T10:15:00.000+01:00', lag: 0 },
      cia: { adopted: false, reference: null },
      threshold: { amountPerUc: 10_000, source: 'Arrêté' },
      candidates: [
        { rank: 1, reservataireId: 'action-logement', reading, scopes: views, flux: null },
        // The same scope views again (shared by candidates moving them alike), and one masked.
        {
          rank: 2,
          reservataireId: null,
          reading,
          scopes: [...views, masked],
          flux: { conventionId: 'C-1', changePoints: 0.005 },
        },
        // A field the answer may grow is written too, where the view has it.
        { rank: 3, reservataireId: null, reading, scopes: [], flux: null, later: { scopes: 'x' } },
      ],
      statisticalSecrecy: { threshold: 5, rule: 'Effectifs de 1 à 4 masqués (null)' },
    } as unknown as SimulationView;
    const expected = JSON.stringify(view, parisTimesReplacer);
    expect(simulationJson(view).toString()).toBe(expected);
    // Written again from the views already serialised: the same text.
    expect(simulationJson(view).toString()).toBe(expected);
    expect(JSON.parse(expected).candidates[1].scopes).toHaveLength(views.length + 1);
  });
});
