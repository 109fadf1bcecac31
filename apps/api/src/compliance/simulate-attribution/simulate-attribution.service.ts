import { Inject, Injectable } from '@nestjs/common';
import {
  changeBetween,
  checkLeaseFacts,
  compositeKey,
  conventionCovering,
  leaseFactOf,
  parisDate,
  placeOfFlat,
  SIMULATION_GROUP_BYS,
  simulateAttribution,
  simulateConventionFlux,
  simulationBase,
  yearOf,
  type CandidateReading,
  type ComplianceReport,
  type ConventionTerms,
  type FigureTotals,
  type LeaseReferentialContext,
  type LeaseSignedData,
  type ReservationState,
  type SimulatedConventionFlux,
  type SimulatedScope,
  type SimulationBase,
} from '@vigie/domain';
import { maskFigurePair, shareConventionFluxPair, type ScopeVisibility, type SharedFigure } from '@vigie/access';
import { readConventionFlux, readConventions, type ConventionFluxRead, type Freshness } from '@vigie/projections';
import { CLOCK, type Clock, DATABASE_POOL, type DatabasePool } from '../../platform/platform.module.js';
import { LeaseReferentialService, type ReferentialLookup } from '../../attribution/lease-referential.service.js';
import { ComplianceService, Memo, POSITION_TTL_MS, type LiveReports } from '../compliance.service.js';
import type { SimulateAttributionBody } from './simulate-attribution.schema.js';

/** A figure as a simulation shows it: the compliance figure without its monthly trajectory. */
type ShownFigure = FigureTotals | (Omit<SharedFigure, 'monthly'> & { readonly masked: readonly string[] });

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
    /**
     * The convention whose flux the lease would count on (the narrowest in force covering the flat,
     * as the réservataire's ledger places it), before and after; null when the lease counts on no
     * convention (non réservé, internal mutation, or no convention in force there).
     */
    readonly flux: SimulatedFluxView | null;
  }>;
  readonly statisticalSecrecy?: { readonly threshold: number; readonly rule: string };
}

/** A convention's flux as a simulation shows it: whole to its bailleur and admin, under statistical secrecy to others. */
export type SimulatedFluxView =
  | SimulatedConventionFlux
  | (Omit<SimulatedConventionFlux, 'before' | 'after'> & {
      readonly before: ReturnType<typeof shareConventionFluxPair>[0];
      readonly after: ReturnType<typeof shareConventionFluxPair>[1];
    });

/** Who reads a convention's flux in a simulation: `whole` (its bailleur, admin), else the État (its contingent whole) or another reader. */
export type FluxReader = 'whole' | 'etat' | 'other';

const withoutMonthly = <F extends { monthly: unknown }>({ monthly: _monthly, ...rest }: F) => rest;

/** The figures of each live EPCI-year, indexed once for every candidate and caller (kept while its reports are). */
const bases = new WeakMap<readonly ComplianceReport[], SimulationBase>();

/**
 * Each simulated scope (shared by the candidates and callers moving it alike, simulateAttribution)
 * and each convention's simulated flux (simulateConventionFlux, shared alike) as each kind of reader
 * sees it: its view is built once, and its JSON written once (simulationJson).
 */
const scopeViews = new WeakMap<SimulatedScope, Map<string, SimulatedScopeView>>();
const scopeListViews = new WeakMap<readonly SimulatedScope[], Map<string, readonly SimulatedScopeView[]>>();
const fluxViews = new WeakMap<SimulatedConventionFlux, Map<string, SimulatedFluxView>>();
const encoded = new WeakMap<object, Buffer>();
/** The parts of answers shared by candidates and callers (lists of scopes, fluxes): written as JSON once each. */
const shareable = new WeakSet<object>();
const shared = <T extends object>(part: T): T => {
  shareable.add(part);
  return part;
};

/** The view of `shared` for the readers of `kind`, built once (views: the cache of shared's views). */
function viewOf<S extends object, V>(views: WeakMap<S, Map<string, V>>, shared: S, kind: string, build: () => V): V {
  let byKind = views.get(shared);
  if (!byKind) {
    byKind = new Map();
    views.set(shared, byKind);
  }
  let view = byKind.get(kind);
  if (view === undefined) {
    view = build();
    byKind.set(kind, view);
  }
  return view;
}

/** An object's JSON, written once per object (the answer's parts are never changed once built). */
function encodedJson(value: object): Buffer {
  let json = encoded.get(value);
  if (!json) {
    json = Buffer.from(JSON.stringify(value));
    encoded.set(value, json);
  }
  return json;
}

/**
 * The answer of a simulation as UTF-8 JSON, exactly `JSON.stringify(view)` (a simulation holds no
 * instant for the Paris-time replacer to rewrite). The candidates are written field by field, in
 * their order, as JSON.stringify writes them, the parts shared by candidates and callers (a list of
 * scopes or of their views, a convention's flux) from their JSON encoded once: candidates moving the
 * same scopes alike share one list, and every screen of a CAL asks for them at the same position.
 */
export function simulationJson(view: SimulationView): Buffer {
  const parts: Buffer[] = [];
  // The text between two JSON already encoded, written as one buffer.
  let pending = '';
  const encodedPart = (json: Buffer) => {
    if (pending) parts.push(Buffer.from(pending));
    pending = '';
    parts.push(json);
  };
  // Every other field of the view written as JSON.stringify writes it, in its order, the candidates
  // spliced in at their key: `"candidates":[]` can only be the key (a string value escapes its quotes).
  const [head, tail] = JSON.stringify({ ...view, candidates: [] }).split('"candidates":[]') as [string, string];
  pending = `${head}"candidates":[`;
  view.candidates.forEach((candidate, index) => {
    let separator = index ? ',{' : '{';
    for (const [key, field] of Object.entries(candidate) as Array<[string, unknown]>) {
      // JSON.stringify leaves out the fields without a JSON value.
      if (field === undefined || typeof field === 'function' || typeof field === 'symbol') continue;
      pending += `${separator}${JSON.stringify(key)}:`;
      separator = ',';
      const json = field !== null && typeof field === 'object' ? encoded.get(field) : undefined;
      if (json) encodedPart(json);
      else if (shareable.has(field as object)) encodedPart(encodedJson(field as object));
      else pending += JSON.stringify(field);
    }
    pending += separator === ',' ? '}' : '{}';
  });
  pending += `]${tail}`;
  parts.push(Buffer.from(pending));
  return Buffer.concat(parts);
}

/**
 * What-if for a CAL: each candidate's lease, checked as RecordSignedLease would check it, added to
 * the live compliance figures (ComplianceService.liveReports) with the rules' own maths
 * (libs/domain simulateAttribution). Reads only: no command, no event.
 */
@Injectable()
export class SimulateAttributionService {
  /**
   * Reads a simulation shares among the callers of the same short window (referential, conventions,
   * flux figures), as compliance reads share their positions: nothing is recorded from them, and a
   * CAL's screen is refreshed by many callers at once.
   */
  private readonly shared = new Memo<unknown>(POSITION_TTL_MS);

  constructor(
    private readonly compliance: ComplianceService,
    private readonly referential: LeaseReferentialService,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(DATABASE_POOL) private readonly pool: DatabasePool,
  ) {}

  private memo<T>(key: string, read: () => Promise<T>): Promise<T> {
    return this.shared.get(key, read) as Promise<T>;
  }

  /** The referential's answers, shared for POSITION_TTL_MS (a registration is never withdrawn). */
  private lookup(): ReferentialLookup {
    const fresh = this.referential.lookup(true);
    return {
      registered: (kind, id) => this.memo(compositeKey('sim-registered', kind, id), () => fresh.registered(kind, id)),
      registeredIds: (kind) => this.memo(compositeKey('sim-ids', kind), () => fresh.registeredIds(kind)),
      epciVersions: (siren) => this.memo(compositeKey('sim-epci', siren), () => fresh.epciVersions(siren)),
      registeredEpcisListing: (commune) =>
        this.memo(compositeKey('sim-listing', commune), () => fresh.registeredEpcisListing(commune)),
      qpv: (code) => this.memo(compositeKey('sim-qpv', code), () => fresh.qpv(code)),
    };
  }

  /** The convention a lease would count on, with its flux figures of the year (null: none). */
  private async conventionOf(
    lease: LeaseSignedData,
    year: number,
    referenceDate: string,
  ): Promise<{ terms: ConventionTerms; read: ConventionFluxRead } | null> {
    if (lease.reservataireId === null || lease.flags.internalMutation) return null;
    const conventions = await this.memo<Array<{ state: ReservationState }>>('sim-conventions', () => readConventions(this.pool));
    const terms = conventionCovering(
      conventions.flatMap(({ state }) =>
        state.terms && state.terms.reservataireId === lease.reservataireId ? [state.terms] : [],
      ),
      lease.bailleurId,
      placeOfFlat(lease.flat),
      year,
    );
    if (!terms) return null;
    const read = await this.memo(
      compositeKey('sim-flux', terms.bailleurId, terms.reservataireId, terms.conventionId, year, referenceDate),
      () => readConventionFlux(this.pool, terms, year, referenceDate),
    );
    return read ? { terms, read } : null;
  }

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
    fluxReader: FluxReader = 'whole',
    threshold = 5,
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
    // A lease's referential context depends on its flat, bailleur and réservataire, read from the
    // referential's answers of the window (lookup): shared by the candidates and callers of the window.
    const flat = JSON.stringify(body.flat);
    const contexts = await Promise.all(
      leases.map((lease) =>
        this.memo<LeaseReferentialContext>(compositeKey('sim-context', lease.bailleurId, lease.reservataireId, flat), () =>
          this.referential.contextForFact(lease, this.lookup()),
        ),
      ),
    );
    leases.forEach((lease, index) => checkLeaseFacts(lease, contexts[index]!, now));
    // The live figures at the compliance read's position (what a reader sees once a lease is shown is
    // what the next simulation starts from); callers at one position share one reading and one base.
    const live = await this.compliance.liveReports(epciSiren, year, SIMULATION_GROUP_BYS);
    let base = bases.get(live.reports);
    if (!base) {
      base = simulationBase({ reports: live.reports, rules: live.rules, epciSiren, year, referenceDate: live.referenceDate });
      bases.set(live.reports, base);
    }
    const conventions = await Promise.all(leases.map((lease) => this.conventionOf(lease, year, live.referenceDate)));
    const showFlux = (simulated: SimulatedConventionFlux, etat: boolean): SimulatedFluxView => {
      if (fluxReader === 'whole' || (fluxReader === 'etat' && etat)) return shared(simulated);
      return viewOf(fluxViews, simulated, String(threshold), () => {
        // Masked as a pair: one lease apart, a count shown on one side would give the other's away.
        const [before, after] = shareConventionFluxPair(simulated.before, simulated.after, threshold);
        return shared({
          ...simulated,
          before,
          after,
          ...(before.counted.total === null || after.counted.total === null
            ? { changePoints: null, crossing: null, countedAs: null }
            : {}),
        });
      });
    };
    // A scope's figures before and after, as the reader may see them: masked as a pair (one lease
    // apart, a count shown on one side would give the other's away).
    const showPair = (
      scope: SimulatedScope['scope'],
      before: FigureTotals,
      after: FigureTotals,
    ): readonly [ShownFigure, ShownFigure] => {
      if (reader === 'owner') return [before, after];
      if (reader.visibility(scope) === 'full')
        return [
          { ...before, masked: [] },
          { ...after, masked: [] },
        ];
      const [maskedBefore, maskedAfter] = maskFigurePair({ ...before, monthly: [] }, { ...after, monthly: [] }, reader.threshold);
      return [withoutMonthly(maskedBefore), withoutMonthly(maskedAfter)];
    };
    const candidates = body.candidates.map((candidate, index) => {
      const simulation = simulateAttribution(base, leaseFactOf(leases[index]!));
      // The owner sees the simulated scopes themselves; a bailleur the list as its visibility of each scope shows it.
      const visibilities = reader === 'owner' ? null : simulation.scopes.map((simulated) => reader.visibility(simulated.scope));
      const scopes =
        reader === 'owner' || !visibilities
          ? shared(simulation.scopes)
          : viewOf(scopeListViews, simulation.scopes, `${visibilities.join(' ')} ${reader.threshold}`, () =>
              shared(
                simulation.scopes.flatMap((simulated, at): SimulatedScopeView[] => {
                  const { objective, label, scope, before, after } = simulated;
                  const visibility = visibilities[at]!;
                  if (visibility === 'hidden') return [];
                  return [
                    viewOf(scopeViews, simulated, `${visibility} ${reader.threshold}`, () => {
                      const [shownBefore, shownAfter] = showPair(scope, before, after);
                      return {
                        objective,
                        label,
                        scope,
                        before: shownBefore,
                        after: shownAfter,
                        ...changeBetween(shownBefore, shownAfter),
                      };
                    }),
                  ];
                }),
              ),
            );
      const convention = conventions[index];
      const flux = convention
        ? showFlux(
            simulateConventionFlux(convention.read.figures, convention.terms, leases[index]!),
            convention.read.figures.contingent !== null,
          )
        : null;
      return { rank: candidate.rank, reservataireId: candidate.reservataireId, reading: simulation.reading, scopes, flux };
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
