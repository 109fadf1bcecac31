import type { Pool } from 'pg';
import { compositeKey, LiveCompliance } from '@vigie/domain';
import { readComplianceInputs, readComplianceRules, readLeaseFactChanges } from './compliance.query.js';

/** The figures of an EPCI-year kept lease by lease, at a position, under the rules they were counted with. */
export interface LiveFigures {
  readonly live: LiveCompliance;
  /** The rules as read at `position` (the same rules as those counted with). */
  rules: Awaited<ReturnType<typeof readComplianceRules>>;
  readonly rulesKey: string;
  position: number;
}

/**
 * The live figures of the EPCI-years read lately (at most `size`), each brought to the position
 * asked by one caller at a time (a chain of promises): only the lease versions changed since travel
 * and are counted (LiveCompliance gives what evaluateCompliance gives). New rules (CIA, threshold,
 * réservataires), a position behind the one counted, or a gap past `catchUpLimit` positions count
 * the whole EPCI-year again. The compliance reads and the alert monitor keep theirs.
 */
export class LiveFiguresKeeper {
  private readonly figures = new Map<string, Promise<LiveFigures | null>>();

  constructor(
    private readonly pool: Pool,
    private readonly size = 100,
    private readonly catchUpLimit = 200_000,
  ) {}

  /** The figures at `position`, or further if another caller has brought them there meanwhile. */
  async at(epciSiren: string, year: number, position: number): Promise<LiveFigures> {
    const { pool } = this;
    const key = compositeKey('compliance-live-figures', epciSiren, year);
    const reading = readComplianceRules(pool, epciSiren, year, position);
    // Awaited in the chain below, once the previous caller is done: a failure meanwhile is not an unhandled rejection.
    reading.catch(() => undefined);
    const previous = this.figures.get(key) ?? Promise.resolve(null);
    const next = previous
      .catch(() => null)
      .then(async (figures): Promise<LiveFigures> => {
        const current =
          figures && figures.position <= position && position - figures.position <= this.catchUpLimit ? figures : null;
        // The changes are read beside the rules (one round trip less), and used only if the rules are those counted with.
        const [rules, changes] = await Promise.all([
          reading,
          current && current.position < position ? readLeaseFactChanges(pool, epciSiren, year, current.position, position) : null,
        ]);
        const rulesKey = JSON.stringify(rules);
        if (current && current.rulesKey === rulesKey) {
          if (changes) {
            for (const fact of changes.removed) current.live.remove(fact);
            for (const fact of changes.added) current.live.add(fact);
            current.position = position;
            current.rules = rules;
          }
          return current;
        }
        const { facts } = await readComplianceInputs(pool, epciSiren, year, position);
        const live = new LiveCompliance(
          { cia: rules.cia, thresholdPerUc: rules.threshold?.amountPerUc, reservataireKinds: rules.reservataireKinds },
          epciSiren,
          year,
        );
        for (const fact of facts) live.add(fact);
        return { live, rulesKey, position, rules };
      });
    this.figures.delete(key);
    if (this.figures.size >= this.size) this.figures.delete(this.figures.keys().next().value!);
    this.figures.set(key, next);
    return next;
  }
}
