import { Inject, Injectable } from '@nestjs/common';
import {
  checkLeaseFacts,
  leaseFactOf,
  parisDate,
  SIMULATION_GROUP_BYS,
  simulateAttribution,
  yearOf,
  type CandidateReading,
  type Figure,
  type LeaseSignedData,
  type SimulatedScope,
} from '@vigie/domain';
import { maskFigure, type ScopeVisibility, type SharedFigure } from '@vigie/access';
import type { Freshness } from '@vigie/projections';
import { changeBetween } from '@vigie/domain';
import { CLOCK, type Clock } from '../../platform/platform.module.js';
import { LeaseReferentialService } from '../../attribution/lease-referential.service.js';
import { ComplianceService, type LiveReports } from '../compliance.service.js';
import type { SimulateAttributionBody } from './simulate-attribution.schema.js';

/** A figure as a simulation shows it: the compliance figure without its monthly trajectory. */
type ShownFigure = Omit<Figure, 'monthly'> | (Omit<SharedFigure, 'monthly'> & { readonly masked: readonly string[] });

export interface SimulatedScopeView {
  readonly objective: string;
  readonly label: string;
  readonly scope: SimulatedScope['scope'];
  readonly before: ShownFigure;
  readonly after: ShownFigure;
  readonly changePoints: number | null;
  readonly crossing: SimulatedScope['crossing'];
}

export interface SimulationView {
  readonly epciSiren: string;
  readonly bailleurId: string;
  readonly year: number;
  readonly leaseDate: string;
  /** The day the figures are read for (today, Europe/Paris). */
  readonly referenceDate: string;
  /** Nothing is recorded: the figures are those of the position below, with each candidate's lease added. */
  readonly recorded: false;
  readonly asOf: { readonly position: number; readonly live: true };
  readonly freshness: Freshness;
  readonly cia: LiveReports['cia'];
  readonly threshold: LiveReports['threshold'];
  readonly candidates: ReadonlyArray<{
    readonly rank: number;
    readonly reservataireId: string | null;
    readonly reading: CandidateReading;
    readonly scopes: readonly SimulatedScopeView[];
  }>;
  readonly statisticalSecrecy?: { readonly threshold: number; readonly rule: string };
}

const withoutMonthly = <F extends { monthly: unknown }>({ monthly: _monthly, ...rest }: F) => rest;

/**
 * What-if for a CAL: each candidate's lease, checked as RecordSignedLease would check it, added to
 * the live compliance figures (ComplianceService.liveReports) with the rules' own maths
 * (libs/domain simulateAttribution). Reads only: no command, no event.
 */
@Injectable()
export class SimulateAttributionService {
  constructor(
    private readonly compliance: ComplianceService,
    private readonly referential: LeaseReferentialService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * `reader`: 'owner' (the EPCI, the État of its départements, admin) sees every figure whole; a
   * bailleur gets a visibility (its own scopes whole, the others under statistical secrecy).
   * Throws the DomainError a lease with these facts would get (422: unknown réservataire, commune
   * outside the EPCI, unknown QPV, date in the future…).
   */
  async simulate(
    epciSiren: string,
    body: SimulateAttributionBody,
    reader: 'owner' | { visibility: ScopeVisibility; threshold: number },
  ): Promise<SimulationView> {
    const now = this.clock();
    const leaseDate = body.leaseDate ?? parisDate(now);
    const year = yearOf(leaseDate);
    const leases: LeaseSignedData[] = body.candidates.map((candidate) => ({
      leaseId: `simulation-${candidate.rank}`,
      caseId: 'simulation',
      bailleurId: body.bailleurId,
      leaseDate,
      flat: body.flat,
      household: {
        pseudonymousId: `simulation-${candidate.rank}`,
        composition: candidate.composition,
        yearlyResources: candidate.yearlyResources,
      },
      flags: candidate.flags,
      reservataireId: candidate.reservataireId,
      gestionMode: candidate.gestionMode,
    }));
    const lookup = this.referential.lookup(true);
    for (const lease of leases) checkLeaseFacts(lease, await this.referential.contextForFact(lease, lookup), now);
    const live = await this.compliance.liveReports(epciSiren, year, SIMULATION_GROUP_BYS);
    const show = (scope: SimulatedScope['scope'], figure: Figure): ShownFigure => {
      if (reader === 'owner') return withoutMonthly(figure);
      return reader.visibility(scope) === 'full'
        ? { ...withoutMonthly(figure), masked: [] }
        : withoutMonthly(maskFigure(figure, reader.threshold));
    };
    const candidates = body.candidates.map((candidate, index) => {
      const simulation = simulateAttribution({
        reports: live.reports,
        rules: live.rules,
        epciSiren,
        year,
        referenceDate: live.referenceDate,
        candidate: leaseFactOf(leases[index]!),
      });
      const scopes = simulation.scopes.flatMap(({ objective, label, scope, before, after }): SimulatedScopeView[] => {
        if (reader !== 'owner' && reader.visibility(scope) === 'hidden') return [];
        const shownBefore = show(scope, before);
        const shownAfter = show(scope, after);
        return [{ objective, label, scope, before: shownBefore, after: shownAfter, ...changeBetween(shownBefore, shownAfter) }];
      });
      return { rank: candidate.rank, reservataireId: candidate.reservataireId, reading: simulation.reading, scopes };
    });
    return {
      epciSiren,
      bailleurId: body.bailleurId,
      year,
      leaseDate,
      referenceDate: live.referenceDate,
      recorded: false,
      asOf: { position: live.position, live: true },
      freshness: live.freshness,
      cia: live.cia,
      threshold: live.threshold,
      candidates,
      ...(reader === 'owner'
        ? {}
        : {
            statisticalSecrecy: {
              threshold: reader.threshold,
              rule: `Effectifs de 1 à ${reader.threshold - 1} masqués (null), ainsi que les taux, écarts et statuts calculés sur eux.`,
            },
          }),
    };
  }
}
