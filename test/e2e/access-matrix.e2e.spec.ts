import { randomUUID } from 'node:crypto';
import { ROLES, type Role } from '@vigie/access';
import { CONTROLLERS } from '../../apps/api/src/app.module.js';
import { routeRules } from '../../apps/api/src/access/route-rules.js';
import { createKey, postJson, startTestApp, TEST_ADMIN_KEY, type TestApp, waitFor } from '../support/app.js';

/**
 * Every endpoint × every role, generated from the route table of the application itself: a
 * route added without a line here fails the first test. For each role the spec below says
 * whether it may call the route; then each route is called with the role's own organisation's
 * data (must pass), with another organisation's (a write is refused 403, a read answers exactly
 * the 404 of a resource that does not exist), and without a key (401).
 */

const MEL = '200093201'; // Métropole Européenne de Lille (59)
const ARRAS = '200033579'; // CU d'Arras (62)

/** The organisation each role's key acts for, and another organisation of the same kind. */
const OWN: Record<Exclude<Role, 'admin'>, string> = { bailleur: 'lmh', epci: MEL, reservataire: 'als', etat: '59' };

type Variant = 'own' | 'other' | 'missing';
interface Call {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly path: string;
  readonly body?: unknown;
  readonly contentType?: string;
}

/** How the rule treats another organisation's data. */
type Tenancy =
  | { kind: 'none' }
  | { kind: 'claimed' }
  | { kind: 'existing'; notFound: string }
  /** The handler filters: `otherNotFound` roles get a 404 for another organisation, others a filtered 200. */
  | { kind: 'filtered'; otherNotFound?: readonly Role[] };

interface RouteSpec {
  readonly allowed: readonly Role[] | 'public';
  readonly tenancy: Tenancy;
  /** Statuses a permitted call with the role's own data may answer (default 200, 201, 202). */
  readonly ok?: readonly number[];
  readonly call: (role: Role, variant: Variant) => Call;
}

const ALL = ROLES;
const flat = (bailleur: 'lmh' | 'pdc') =>
  bailleur === 'lmh'
    ? { rplsId: '5935000001', communeInsee: '59350', epciSiren: MEL, qpvCode: null, typology: 'T3', financing: 'PLUS' }
    : { rplsId: '6204100001', communeInsee: '62041', epciSiren: ARRAS, qpvCode: null, typology: 'T2', financing: 'PLAI' };
const lease = (bailleur: 'lmh' | 'pdc', id: string, numeroUnique = `nud-${id}`) => ({
  leaseId: `L-${id}`,
  caseId: `C-${id}`,
  bailleurId: bailleur,
  leaseDate: '2026-03-02',
  flat: flat(bailleur),
  household: { numeroUnique, composition: { personsAged14OrMore: 1, childrenUnder14: 0 }, yearlyResources: 9_000 },
  reservataireId: bailleur === 'lmh' ? 'als' : 'resa-62',
  gestionMode: 'directe',
});
const calDecision = (bailleur: 'lmh' | 'pdc', id: string) => ({
  caseId: `CAL-${id}`,
  bailleurId: bailleur,
  calDate: '2026-02-10',
  flat: flat(bailleur),
  candidates: [{ rank: 1, numeroUnique: `nud-cal-${id}`, decision: 'attribution' }],
  reservataireId: bailleur === 'lmh' ? 'als' : 'resa-62',
});
const convention = (id: string, bailleur: 'lmh' | 'pdc') => ({
  conventionId: id,
  bailleurId: bailleur,
  reservataireId: bailleur === 'lmh' ? 'als' : 'resa-62',
  departement: bailleur === 'lmh' ? '59' : '62',
  period: { startYear: 2025, endYear: 2030 },
  fluxShare: 0.25,
  gestionMode: 'directe',
  signedOn: '2024-12-02',
});
const csvImport = (bailleur: string, id: string) =>
  [
    'type;reference_bail;reference_dossier;bailleur;date_bail;rpls;code_insee;siren_epci;typologie;financement;menage;personnes_14_ans_et_plus;revenus_annuels;reservataire;mode_gestion',
    `bail;L-${id};C-${id};${bailleur};2026-04-02;5935000001;59350;${MEL};T3;PLUS;nud-imp-${id};1;9000;als;directe`,
  ].join('\n');

/** One value per variant of a call: the role's own, another organisation's, one that does not exist. */
const pick = <T>(v: Variant, own: T, other: T, missing: T): T => (v === 'own' ? own : v === 'other' ? other : missing);

/** Ids created while seeding (events, imports, a key to revoke). */
const seeded = {
  ownEvent: '',
  otherEvent: '',
  ownImport: '',
  otherImport: '',
  throwawayKeys: {} as Record<string, string>,
  person: '',
  throwawayPerson: '',
};
const page = (path: string): RouteSpec => ({
  allowed: 'public',
  tenancy: { kind: 'none' },
  call: () => ({ method: 'GET', path }),
});

const SPEC: Record<string, RouteSpec> = {
  'GET /health': { allowed: 'public', tenancy: { kind: 'none' }, call: () => ({ method: 'GET', path: '/health' }) },
  'POST /v1/leases': {
    allowed: ['bailleur', 'admin'],
    tenancy: { kind: 'claimed' },
    call: (role, v) => ({
      method: 'POST',
      path: '/v1/leases',
      body: { eventId: randomUUID(), ...lease(v === 'own' ? 'lmh' : 'pdc', `new-${role}-${v}`) },
    }),
  },
  'POST /v1/leases/:leaseId/cancellation': {
    allowed: ['bailleur', 'admin'],
    tenancy: { kind: 'existing', notFound: 'LEASE_NOT_FOUND' },
    call: (role, v) => {
      const [bailleurId, id] = pick(v, ['lmh', `cancel-${role}`], ['pdc', 'other'], ['lmh', 'nope']);
      return {
        method: 'POST',
        path: `/v1/leases/L-${id}/cancellation`,
        body: { eventId: randomUUID(), bailleurId, caseId: `C-${id}`, reason: 'Bail signé par erreur' },
      };
    },
  },
  'POST /v1/leases/:leaseId/corrections': {
    allowed: ['bailleur', 'admin'],
    tenancy: { kind: 'existing', notFound: 'LEASE_NOT_FOUND' },
    call: (role, v) => {
      const [bailleur, id] =
        v === 'own'
          ? (['lmh', `correct-${role}`] as const)
          : v === 'other'
            ? (['pdc', 'other-c'] as const)
            : (['lmh', 'nope'] as const);
      const corrected = lease(bailleur, id);
      return {
        method: 'POST',
        path: `/v1/leases/L-${id}/corrections`,
        body: {
          eventId: randomUUID(),
          reason: 'Avis rectifié',
          lease: { ...corrected, household: { ...corrected.household, yearlyResources: 8_000 } },
        },
      };
    },
  },
  'GET /v1/epcis/:epci/leases/summary': {
    allowed: ['epci', 'etat', 'admin'],
    tenancy: { kind: 'existing', notFound: 'NOT_FOUND' },
    call: (_role, v) => ({
      method: 'GET',
      path: `/v1/epcis/${pick(v, MEL, ARRAS, '999999999')}/leases/summary?year=2026`,
    }),
  },
  'GET /v1/epcis/:epci/leases': {
    allowed: ['epci', 'etat', 'admin'],
    tenancy: { kind: 'existing', notFound: 'NOT_FOUND' },
    call: (_role, v) => ({
      method: 'GET',
      path: `/v1/epcis/${pick(v, MEL, ARRAS, '999999999')}/leases?year=2026`,
    }),
  },
  'POST /v1/cal-decisions': {
    allowed: ['bailleur', 'admin'],
    tenancy: { kind: 'claimed' },
    call: (role, v) => ({
      method: 'POST',
      path: '/v1/cal-decisions',
      body: { eventId: randomUUID(), ...calDecision(v === 'own' ? 'lmh' : 'pdc', `new-${role}-${v}`) },
    }),
  },
  'POST /v1/cal-decisions/:caseId/offer-declined': {
    allowed: ['bailleur', 'admin'],
    tenancy: { kind: 'existing', notFound: 'OFFER_NOT_FOUND' },
    call: (role, v) => {
      const [bailleurId, id] = pick(v, ['lmh', `decline-${role}`], ['pdc', 'other'], ['lmh', 'nope']);
      return {
        method: 'POST',
        path: `/v1/cal-decisions/CAL-${id}/offer-declined`,
        body: { eventId: randomUUID(), bailleurId, numeroUnique: `nud-cal-${id}`, declinedOn: '2026-02-20' },
      };
    },
  },
  'POST /v1/imports': {
    allowed: ['bailleur', 'admin'],
    tenancy: { kind: 'filtered' },
    call: (role, v) => ({
      method: 'POST',
      path: '/v1/imports',
      contentType: 'text/csv',
      body: csvImport(v === 'own' ? 'lmh' : 'pdc', `imp-${role}-${v}`),
    }),
  },
  'GET /v1/imports/:id': {
    allowed: ['bailleur', 'admin'],
    tenancy: { kind: 'existing', notFound: 'IMPORT_NOT_FOUND' },
    call: (_role, v) => ({
      method: 'GET',
      path: `/v1/imports/${pick(v, seeded.ownImport, seeded.otherImport, randomUUID())}`,
    }),
  },
  'GET /v1/imports/modele': {
    allowed: ['bailleur', 'admin'],
    tenancy: { kind: 'none' },
    call: () => ({ method: 'GET', path: '/v1/imports/modele?format=csv' }),
  },
  'POST /v1/imports/:id/cancellation': {
    allowed: ['bailleur', 'admin'],
    tenancy: { kind: 'existing', notFound: 'IMPORT_NOT_FOUND' },
    call: (_role, v) => ({
      method: 'POST',
      path: `/v1/imports/${pick(v, seeded.ownImport, seeded.otherImport, randomUUID())}/cancellation?dryRun=true`,
      body: { reason: 'Aperçu' },
    }),
  },
  'PUT /v1/epcis/:siren': {
    allowed: ['epci', 'admin'],
    tenancy: { kind: 'claimed' },
    call: (_role, v) => ({ method: 'PUT', path: `/v1/epcis/${v === 'own' ? MEL : ARRAS}`, body: {} }),
  },
  'PUT /v1/qpvs/:code': {
    allowed: ['etat', 'admin'],
    tenancy: { kind: 'claimed' },
    call: (_role, v) => ({
      method: 'PUT',
      path: v === 'own' ? '/v1/qpvs/QN05901M' : '/v1/qpvs/QN06201M',
      body: { name: 'Quartier', list: '2024', communes: [v === 'own' ? '59350' : '62041'] },
    }),
  },
  'PUT /v1/bailleurs/:id': {
    allowed: ['admin'],
    tenancy: { kind: 'none' },
    call: () => ({ method: 'PUT', path: '/v1/bailleurs/lmh', body: { name: 'Lille Métropole Habitat' } }),
  },
  'PUT /v1/reservataires/:id': {
    allowed: ['admin'],
    tenancy: { kind: 'none' },
    call: () => ({
      method: 'PUT',
      path: '/v1/reservataires/als',
      body: { name: 'Action Logement Services', kind: 'action_logement' },
    }),
  },
  'GET /v1/qpvs': { allowed: ALL, tenancy: { kind: 'none' }, call: () => ({ method: 'GET', path: '/v1/qpvs' }) },
  'GET /v1/qpvs/:code': {
    allowed: ALL,
    tenancy: { kind: 'none' },
    call: () => ({ method: 'GET', path: '/v1/qpvs/QN05901M' }),
  },
  'GET /v1/bailleurs': { allowed: ALL, tenancy: { kind: 'none' }, call: () => ({ method: 'GET', path: '/v1/bailleurs' }) },
  'GET /v1/reservataires': {
    allowed: ALL,
    tenancy: { kind: 'none' },
    call: () => ({ method: 'GET', path: '/v1/reservataires' }),
  },
  'POST /v1/epcis/:siren/cia': {
    allowed: ['epci', 'admin'],
    tenancy: { kind: 'claimed' },
    // The EPCI adopts its CIA; the admin's call after it is the CIA_ALREADY_ADOPTED conflict.
    ok: [201, 409],
    call: (_role, v) => ({
      method: 'POST',
      path: `/v1/epcis/${v === 'own' ? MEL : ARRAS}/cia`,
      body: { adoptedOn: '2026-01-10', terms: { period: { startYear: 2026, endYear: 2031 } } },
    }),
  },
  'POST /v1/epcis/:siren/cia/amendments': {
    allowed: ['epci', 'admin'],
    tenancy: { kind: 'claimed' },
    call: (role, v) => ({
      method: 'POST',
      path: `/v1/epcis/${v === 'own' ? MEL : ARRAS}/cia/amendments`,
      body: {
        amendedOn: '2026-06-01',
        terms: { period: { startYear: 2026, endYear: 2031 }, objectives: { qnq1: { target: role === 'admin' ? 0.6 : 0.55 } } },
      },
    }),
  },
  'POST /v1/epcis/:siren/quartile-thresholds': {
    allowed: ['etat', 'admin'],
    tenancy: { kind: 'claimed' },
    call: (role, v) => ({
      method: 'POST',
      path: `/v1/epcis/${v === 'own' ? MEL : ARRAS}/quartile-thresholds`,
      body: { year: 2026, amountPerUc: role === 'admin' ? 10_500 : 10_000, source: 'Arrêté' },
    }),
  },
  'GET /v1/epcis/:siren/cia': {
    allowed: ALL,
    tenancy: { kind: 'none' },
    call: (_role, v) => ({ method: 'GET', path: `/v1/epcis/${v === 'own' ? MEL : ARRAS}/cia` }),
  },
  'GET /v1/epcis/:epci/compliance': {
    allowed: ALL,
    tenancy: { kind: 'filtered', otherNotFound: ['epci', 'etat'] },
    call: (_role, v) => ({
      method: 'GET',
      path: `/v1/epcis/${pick(v, MEL, ARRAS, '999999999')}/compliance?year=2026`,
    }),
  },
  'GET /v1/epcis/:epci/compliance/forecast': {
    allowed: ALL,
    tenancy: { kind: 'filtered', otherNotFound: ['epci', 'etat'] },
    call: (_role, v) => ({
      method: 'GET',
      path: `/v1/epcis/${pick(v, MEL, ARRAS, '999999999')}/compliance/forecast?year=2026`,
    }),
  },
  'POST /v1/epcis/:epci/compliance/simulations': {
    allowed: ['bailleur', 'epci', 'etat', 'admin'],
    tenancy: { kind: 'existing', notFound: 'FLAT_NOT_FOUND' },
    ok: [200],
    call: (_role, v) => {
      const [siren, bailleurId, rplsId] = pick(v, [MEL, 'lmh', 'RSIMLMH'], [ARRAS, 'pdc', 'RSIMPDC'], [MEL, 'lmh', 'RSIMNONE']);
      return {
        method: 'POST',
        path: `/v1/epcis/${siren}/compliance/simulations`,
        body: {
          bailleurId,
          leaseDate: '2026-03-02',
          flat: { ...flat(bailleurId === 'pdc' ? 'pdc' : 'lmh'), rplsId },
          candidates: [
            {
              rank: 1,
              composition: { personsAged14OrMore: 1, childrenUnder14: 0 },
              yearlyResources: 9_000,
              reservataireId: bailleurId === 'pdc' ? 'resa-62' : 'als',
            },
          ],
        },
      };
    },
  },
  'GET /v1/alerts': { allowed: ALL, tenancy: { kind: 'filtered' }, call: () => ({ method: 'GET', path: '/v1/alerts' }) },
  'GET /v1/stream': { allowed: ALL, tenancy: { kind: 'filtered' }, call: () => ({ method: 'GET', path: '/v1/stream' }) },
  'POST /v1/stock-conversions': {
    allowed: ALL,
    tenancy: { kind: 'none' },
    call: () => ({
      method: 'POST',
      path: '/v1/stock-conversions',
      body: {
        stock: 1_000,
        turnoverRates: [0.1],
        method: 'global',
        rights: 100,
        meanRemainingYears: 5,
        spreadOverYears: 1,
        firstYear: 2026,
      },
    }),
  },
  'POST /v1/flux/releases': {
    allowed: ['bailleur', 'admin'],
    tenancy: { kind: 'claimed' },
    call: (role, v) => ({
      method: 'POST',
      path: '/v1/flux/releases',
      body: {
        eventId: randomUUID(),
        bailleurId: v === 'own' ? 'lmh' : 'pdc',
        rplsId: `RNEW${role}`,
        departement: '59',
        releasedOn: '2026-03-01',
        inNetBase: true,
      },
    }),
  },
  'POST /v1/flux/orientations': {
    allowed: ['bailleur', 'admin'],
    tenancy: { kind: 'claimed' },
    call: (role, v) => ({
      method: 'POST',
      path: '/v1/flux/orientations',
      body: {
        eventId: randomUUID(),
        bailleurId: v === 'own' ? 'lmh' : 'pdc',
        rplsId: `ROR${role}`,
        reservataireId: v === 'own' ? 'als' : 'resa-62',
        conventionId: v === 'own' ? 'C-OWN' : 'C-OTHER',
        orientedOn: '2026-03-10',
      },
    }),
  },
  'POST /v1/flux/returns': {
    allowed: ['bailleur', 'admin'],
    tenancy: { kind: 'claimed' },
    call: (role, v) => ({
      method: 'POST',
      path: '/v1/flux/returns',
      body: {
        eventId: randomUUID(),
        bailleurId: v === 'own' ? 'lmh' : 'pdc',
        rplsId: `RRET${role}`,
        reservataireId: v === 'own' ? 'als' : 'resa-62',
        conventionId: v === 'own' ? 'C-OWN' : 'C-OTHER',
        returnedOn: '2026-04-01',
        reason: 'aucun candidat',
      },
    }),
  },
  'POST /v1/conventions': {
    allowed: ['bailleur', 'reservataire', 'admin'],
    tenancy: { kind: 'claimed' },
    call: (role, v) => ({
      method: 'POST',
      path: '/v1/conventions',
      body: convention(`C-NEW-${role}-${v}`, v === 'own' ? 'lmh' : 'pdc'),
    }),
  },
  'POST /v1/conventions/:bailleurId/:reservataireId/:conventionId/revisions': {
    allowed: ['bailleur', 'reservataire', 'admin'],
    tenancy: { kind: 'existing', notFound: 'CONVENTION_NOT_FOUND' },
    call: (role, v) => ({
      method: 'POST',
      path: `/v1/conventions/${pick(v, 'lmh/als/C-OWN', 'pdc/resa-62/C-OTHER', 'lmh/als/C-NOPE')}/revisions`,
      body: {
        fromYear: { bailleur: 2026, reservataire: 2027 }[role as string] ?? 2028,
        fluxShare: 0.3,
        reason: 'clause de revoyure',
      },
    }),
  },
  'POST /v1/conventions/:bailleurId/:reservataireId/:conventionId/agreements': {
    allowed: ['bailleur', 'reservataire', 'admin'],
    tenancy: { kind: 'existing', notFound: 'CONVENTION_NOT_FOUND' },
    // Each party agrees to a convention recorded by the other; the admin's call on another organisation's
    // convention (already agreed by both) is the CONVENTION_ALREADY_AGREED conflict.
    ok: [201, 409],
    call: (role, v) => ({
      method: 'POST',
      path: `/v1/conventions/${pick(v, `lmh/als/C-AGREE-${role}`, 'pdc/resa-62/C-OTHER', 'lmh/als/C-NOPE')}/agreements`,
      body: { agreedOn: '2025-01-15', ...(role === 'admin' ? { party: 'reservataire' } : {}) },
    }),
  },
  'POST /v1/conventions/:bailleurId/:reservataireId/:conventionId/stock-conversions': {
    allowed: ['bailleur', 'reservataire', 'admin'],
    tenancy: { kind: 'existing', notFound: 'CONVENTION_NOT_FOUND' },
    call: (role, v) => ({
      method: 'POST',
      path: `/v1/conventions/${pick(v, 'lmh/als/C-OWN', 'pdc/resa-62/C-OTHER', 'lmh/als/C-NOPE')}/stock-conversions`,
      body: {
        adoptedOn: '2025-12-15',
        // One first year per role and variant: each call records its own conversion.
        conversion: {
          stock: 20_000,
          turnoverRates: [0.1],
          exclusions: {},
          method: 'global',
          rights: 1_000,
          meanRemainingYears: 15,
          spreadOverYears: 3,
          firstYear: 2030 + ROLES.indexOf(role as Role) * 3 + (v === 'own' ? 0 : 1),
        },
      },
    }),
  },
  'POST /v1/conventions/:bailleurId/:reservataireId/:conventionId/validations': {
    allowed: ['reservataire', 'admin'],
    tenancy: { kind: 'existing', notFound: 'CONVENTION_NOT_FOUND' },
    call: (role, v) => ({
      method: 'POST',
      path: `/v1/conventions/${pick(v, 'lmh/als/C-OWN', 'pdc/resa-62/C-OTHER', 'lmh/als/C-NOPE')}/validations`,
      body: {
        leaseId: `BV-${role}-${v}`,
        rplsId: '5977001',
        communeInsee: '59350',
        epciSiren: '200093201',
        validatedOn: '2026-04-02',
      },
    }),
  },
  'GET /v1/conventions/:bailleurId/:reservataireId/:conventionId': {
    allowed: ['bailleur', 'reservataire', 'etat', 'admin'],
    tenancy: { kind: 'existing', notFound: 'CONVENTION_NOT_FOUND' },
    call: (_role, v) => ({
      method: 'GET',
      path: `/v1/conventions/${pick(v, 'lmh/als/C-OWN', 'pdc/resa-62/C-OTHER', 'lmh/als/C-NOPE')}`,
    }),
  },
  'GET /v1/conventions': {
    allowed: ['bailleur', 'reservataire', 'etat', 'admin'],
    tenancy: { kind: 'filtered' },
    call: () => ({ method: 'GET', path: '/v1/conventions?year=2026' }),
  },
  'GET /v1/conventions/:bailleurId/:reservataireId/:conventionId/flux': {
    allowed: ['bailleur', 'reservataire', 'etat', 'admin'],
    tenancy: { kind: 'existing', notFound: 'CONVENTION_NOT_FOUND' },
    call: (_role, v) => ({
      method: 'GET',
      path: `/v1/conventions/${pick(v, 'lmh/als/C-OWN', 'pdc/resa-62/C-OTHER', 'lmh/als/C-NOPE')}/flux?year=2026`,
    }),
  },
  'GET /v1/bailleurs/:bailleurId/bilans/:year': {
    allowed: ['bailleur', 'admin'],
    tenancy: { kind: 'existing', notFound: 'NOT_FOUND' },
    call: (_role, v) => ({
      method: 'GET',
      path: `/v1/bailleurs/${pick(v, 'lmh', 'pdc', 'nope')}/bilans/2026`,
    }),
  },
  'GET /v1/bailleurs/:bailleurId/leases': {
    allowed: ['bailleur', 'admin'],
    tenancy: { kind: 'existing', notFound: 'NOT_FOUND' },
    call: (_role, v) => ({
      method: 'GET',
      path: `/v1/bailleurs/${pick(v, 'lmh', 'pdc', 'nope')}/leases?year=2026`,
    }),
  },
  'POST /v1/bailleurs/:bailleurId/bilans/:year/closure': {
    allowed: ['bailleur', 'admin'],
    tenancy: { kind: 'existing', notFound: 'NOT_FOUND' },
    call: (role, v) => ({
      method: 'POST',
      path: `/v1/bailleurs/${pick(v, 'lmh', 'pdc', 'nope')}/bilans/${role === 'admin' ? 2023 : 2024}/closure`,
      body: { closedOn: '2026-01-10' },
    }),
  },
  'GET /v1/reservataires/:reservataireId/ledger': {
    allowed: ['reservataire', 'admin'],
    tenancy: { kind: 'existing', notFound: 'NOT_FOUND' },
    call: (_role, v) => ({
      method: 'GET',
      path: `/v1/reservataires/${pick(v, 'als', 'resa-62', 'nope')}/ledger?year=2026`,
    }),
  },
  'GET /v1/events/:eventId': {
    allowed: ALL,
    tenancy: { kind: 'existing', notFound: 'EVENT_NOT_FOUND' },
    call: (_role, v) => ({
      method: 'GET',
      path: `/v1/events/${pick(v, seeded.ownEvent, seeded.otherEvent, randomUUID())}`,
    }),
  },
  'POST /v1/admin/api-keys': {
    allowed: ['admin'],
    tenancy: { kind: 'none' },
    call: () => ({ method: 'POST', path: '/v1/admin/api-keys', body: { role: 'bailleur', tenant: 'lmh', label: 'matrice' } }),
  },
  'GET /v1/me': { allowed: ALL, tenancy: { kind: 'none' }, call: () => ({ method: 'GET', path: '/v1/me' }) },
  // The web application: pages (public shells that lead to the sign-in page without a session), sign-in, people.
  'GET /': page('/'),
  'GET /connexion': page('/connexion'),
  'GET /connexion/lien/:token': page(`/connexion/lien/${'x'.repeat(43)}`),
  'GET /connexion/oidc': page('/connexion/oidc'),
  'GET /connexion/oidc/retour': page('/connexion/oidc/retour'),
  'GET /admin': page('/admin'),
  'GET /epci/:id': page(`/epci/${MEL}`),
  'GET /epci/:id/rapport': page(`/epci/${MEL}/rapport`),
  'GET /bailleur/:id': page('/bailleur/lmh'),
  'GET /reservataire/:id': page('/reservataire/als'),
  'GET /etat/:id': page('/etat/59'),
  'GET /v1/session': { allowed: ALL, tenancy: { kind: 'none' }, call: () => ({ method: 'GET', path: '/v1/session' }) },
  'POST /v1/session/logout': {
    allowed: ALL,
    tenancy: { kind: 'none' },
    call: () => ({ method: 'POST', path: '/v1/session/logout' }),
  },
  'GET /v1/departements/:departement/epcis': {
    allowed: ALL,
    tenancy: { kind: 'none' },
    call: () => ({ method: 'GET', path: '/v1/departements/59/epcis' }),
  },
  'GET /v1/departements/:departement/compliance': {
    allowed: ['etat', 'admin'],
    tenancy: { kind: 'existing', notFound: 'NOT_FOUND' },
    call: (_role, v) => ({ method: 'GET', path: `/v1/departements/${pick(v, '59', '62', '98')}/compliance?year=2026` }),
  },
  'GET /v1/epcis/:epci/names': {
    allowed: ALL,
    tenancy: { kind: 'none' },
    call: () => ({ method: 'GET', path: `/v1/epcis/${MEL}/names` }),
  },
  'GET /v1/admin/people': {
    allowed: ['admin'],
    tenancy: { kind: 'none' },
    call: () => ({ method: 'GET', path: '/v1/admin/people' }),
  },
  'POST /v1/admin/people': {
    allowed: ['admin'],
    tenancy: { kind: 'none' },
    call: (role) => ({
      method: 'POST',
      path: '/v1/admin/people',
      body: { name: `Matrice ${role}`, email: null, role: 'epci', tenant: MEL },
    }),
  },
  'POST /v1/admin/people/:personId/links': {
    allowed: ['admin'],
    tenancy: { kind: 'none' },
    call: () => ({ method: 'POST', path: `/v1/admin/people/${seeded.person}/links` }),
  },
  'DELETE /v1/admin/people/:personId': {
    allowed: ['admin'],
    tenancy: { kind: 'none' },
    call: () => ({ method: 'DELETE', path: `/v1/admin/people/${seeded.throwawayPerson}` }),
  },
  'GET /v1/admin/api-keys': {
    allowed: ['admin'],
    tenancy: { kind: 'none' },
    call: () => ({ method: 'GET', path: '/v1/admin/api-keys' }),
  },
  'DELETE /v1/admin/api-keys/:keyId': {
    allowed: ['admin'],
    tenancy: { kind: 'none' },
    call: (role) => ({ method: 'DELETE', path: `/v1/admin/api-keys/${seeded.throwawayKeys[role]}` }),
  },
};

/** The actual status when it is one of the expected ones, else the list (so a failure shows both). */
function oneOf(expected: readonly number[], actual: number): number | string {
  return expected.includes(actual) ? actual : expected.join(' | ');
}

describe('Access: every endpoint × every role', () => {
  let app: TestApp;
  const keys = {} as Record<Role, string>;

  async function call(request: Call, key: string | null): Promise<{ status: number; body: Record<string, unknown> | undefined }> {
    const abort = new AbortController();
    const response = await fetch(`${app.url}${request.path}`, {
      method: request.method,
      headers: {
        ...(key ? { authorization: `Bearer ${key}` } : {}),
        ...(request.body !== undefined ? { 'content-type': request.contentType ?? 'application/json' } : {}),
      },
      body:
        request.body === undefined ? undefined : typeof request.body === 'string' ? request.body : JSON.stringify(request.body),
      signal: abort.signal,
    });
    if (response.headers.get('content-type')?.startsWith('text/event-stream')) {
      abort.abort();
      return { status: response.status, body: undefined };
    }
    const text = await response.text();
    return {
      status: response.status,
      body: text && /json/.test(response.headers.get('content-type') ?? '') ? JSON.parse(text) : undefined,
    };
  }

  beforeAll(async () => {
    app = await startTestApp();
    keys.admin = TEST_ADMIN_KEY;
    for (const role of ROLES.filter((r) => r !== 'admin') as Exclude<Role, 'admin'>[])
      keys[role] = (await createKey(app.url, role, OWN[role])).key;
    const pdc = await createKey(app.url, 'bailleur', 'pdc');
    const seed = async (path: string, body: unknown, method = 'POST', key = TEST_ADMIN_KEY) => {
      const response = await call({ method: method as Call['method'], path, body }, key);
      if (response.status >= 300) throw new Error(`seed ${path}: ${response.status} ${JSON.stringify(response.body)}`);
      return response.body as Record<string, string>;
    };
    await seed('/v1/reservataires/als', { name: 'Action Logement Services', kind: 'action_logement' }, 'PUT');
    await seed('/v1/reservataires/resa-62', { name: 'Département du Pas-de-Calais', kind: 'collectivite' }, 'PUT');
    await seed(`/v1/epcis/${MEL}`, {}, 'PUT');
    await seed(`/v1/epcis/${ARRAS}`, {}, 'PUT');
    await seed('/v1/qpvs/QN05901M', { name: 'Quartier', list: '2024', communes: ['59350'] }, 'PUT');
    await seed(`/v1/epcis/${ARRAS}/cia`, { adoptedOn: '2026-01-10', terms: { period: { startYear: 2026, endYear: 2031 } } });
    await seed('/v1/conventions', convention('C-OWN', 'lmh'));
    await seed('/v1/conventions', convention('C-OTHER', 'pdc'));
    for (const [role, agreedBy] of [
      ['bailleur', 'reservataire'],
      ['reservataire', 'bailleur'],
      ['admin', 'bailleur'],
    ])
      await seed('/v1/conventions', { ...convention(`C-AGREE-${role}`, 'lmh'), agreedBy: [agreedBy] });
    for (const [bailleurId, rplsId, departement] of [
      ['lmh', 'RSIMLMH', '59'],
      ['pdc', 'RSIMPDC', '62'],
    ])
      await seed('/v1/flux/releases', {
        eventId: randomUUID(),
        bailleurId,
        rplsId,
        departement,
        releasedOn: '2026-02-01',
        inNetBase: true,
      });
    seeded.ownEvent = (await seed('/v1/leases', { eventId: randomUUID(), ...lease('lmh', 'own') })).eventId!;
    seeded.otherEvent = (await seed('/v1/leases', { eventId: randomUUID(), ...lease('pdc', 'other') })).eventId!;
    await seed('/v1/leases', { eventId: randomUUID(), ...lease('pdc', 'other-c') });
    await seed('/v1/cal-decisions', { eventId: randomUUID(), ...calDecision('pdc', 'other') });
    for (const role of ['bailleur', 'admin']) {
      await seed('/v1/leases', { eventId: randomUUID(), ...lease('lmh', `cancel-${role}`) });
      await seed('/v1/leases', { eventId: randomUUID(), ...lease('lmh', `correct-${role}`) });
      await seed('/v1/cal-decisions', { eventId: randomUUID(), ...calDecision('lmh', `decline-${role}`) });
      for (const rpls of [`ROR${role}`, `RRET${role}`])
        await seed('/v1/flux/releases', {
          eventId: randomUUID(),
          bailleurId: 'lmh',
          rplsId: rpls,
          departement: '59',
          releasedOn: '2026-03-01',
          inNetBase: true,
        });
      await seed('/v1/flux/orientations', {
        eventId: randomUUID(),
        bailleurId: 'lmh',
        rplsId: `RRET${role}`,
        reservataireId: 'als',
        conventionId: 'C-OWN',
        orientedOn: '2026-03-05',
      });
    }
    const importOf = async (bailleur: string, key: string) => {
      const response = await fetch(`${app.url}/v1/imports`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'text/csv' },
        body: csvImport(bailleur, `seed-${bailleur}`),
      });
      return ((await response.json()) as { id: string }).id;
    };
    seeded.ownImport = await importOf('lmh', keys.bailleur);
    seeded.otherImport = await importOf('pdc', pdc.key);
    seeded.throwawayKeys.admin = (await createKey(app.url, 'epci', ARRAS, 'à révoquer')).id;
    seeded.person = (await seed('/v1/admin/people', { name: 'Matrice', email: null, role: 'epci', tenant: MEL })).id!;
    seeded.throwawayPerson = (
      await seed('/v1/admin/people', { name: 'À désactiver', email: null, role: 'epci', tenant: MEL })
    ).id!;
  });

  afterAll(async () => {
    await app.close();
  });

  it('has a rule for every route of the application, and a line of this spec for every rule', () => {
    const routes = routeRules([...CONTROLLERS]);
    expect(routes.filter((route) => route.rule === undefined)).toEqual([]);
    expect(routes.map((route) => `${route.method} ${route.path}`).sort()).toEqual(Object.keys(SPEC).sort());
    // The spec is written independently of the decorators; they must agree on who may call what.
    for (const route of routes) {
      const spec = SPEC[`${route.method} ${route.path}`]!;
      if (spec.allowed === 'public') expect(route.rule).toBe('public');
      else
        expect({
          route: `${route.method} ${route.path}`,
          roles: [...(route.rule as { roles: readonly Role[] }).roles].sort(),
        }).toEqual({
          route: `${route.method} ${route.path}`,
          roles: [...spec.allowed].sort(),
        });
    }
  });

  it('answers 401 on every non-public route without a key, with a malformed key, or with a wrong secret', async () => {
    const forged = `${TEST_ADMIN_KEY.slice(0, -4)}AAAA`;
    for (const [name, spec] of Object.entries(SPEC)) {
      const request = spec.call('admin', 'own');
      if (spec.allowed === 'public') {
        expect({ name, status: (await call(request, null)).status }).toEqual({ name, status: 200 });
        continue;
      }
      for (const key of [null, 'not-a-key', forged]) {
        const response = await call(request, key);
        expect({ name, key, status: response.status, code: response.body?.code }).toEqual({
          name,
          key,
          status: 401,
          code: 'UNAUTHENTICATED',
        });
      }
    }
  });

  for (const role of ROLES) {
    it(`${role}: allowed routes pass with its own data; other routes answer 403; another organisation's data is refused without revealing it`, async () => {
      for (const [name, spec] of Object.entries(SPEC)) {
        if (spec.allowed === 'public') continue;
        const own = await call(spec.call(role, 'own'), keys[role]);
        if (!spec.allowed.includes(role)) {
          expect({ name, status: own.status, code: own.body?.code }).toEqual({ name, status: 403, code: 'ROLE_FORBIDDEN' });
          continue;
        }
        expect({ name, status: own.status, problem: own.status >= 300 ? own.body : undefined }).toEqual({
          name,
          status: oneOf(spec.ok ?? [200, 201, 202], own.status),
          problem: own.status >= 300 ? own.body : undefined,
        });
        const { tenancy } = spec;
        if (tenancy.kind === 'none') continue;
        const other = await call(spec.call(role, 'other'), keys[role]);
        if (role === 'admin' && tenancy.kind === 'claimed') {
          // The admin may write for any organisation: whatever the business rules answer, it is not a refusal of access.
          expect({ name, status: other.status }).toEqual({ name, status: other.status === 403 ? 'not 403' : other.status });
        } else if (role === 'admin') {
          expect({ name, status: other.status, body: other.status >= 300 ? other.body : undefined }).toEqual({
            name,
            status: oneOf(spec.ok ?? [200, 201, 202], other.status),
            body: other.status >= 300 ? other.body : undefined,
          });
        } else if (tenancy.kind === 'claimed') {
          expect({ name, status: other.status, code: other.body?.code }).toEqual({ name, status: 403, code: 'TENANT_FORBIDDEN' });
        } else if (tenancy.kind === 'existing' || tenancy.otherNotFound?.includes(role)) {
          const missing = await call(spec.call(role, 'missing'), keys[role]);
          const notFound = tenancy.kind === 'existing' ? tenancy.notFound : 'NOT_FOUND';
          expect({ name, status: other.status, code: other.body?.code }).toEqual({ name, status: 404, code: notFound });
          // Indistinguishable from a resource that does not exist.
          expect({ name, body: other.body }).toEqual({ name, body: missing.body });
        } else {
          expect({ name, status: other.status }).toEqual({ name, status: oneOf([200, 202], other.status) });
        }
      }
    });
  }

  it('records the actor of every write: role, organisation and key id, never anonymous', async () => {
    const { rows } = await app.db.pool.query<{ actor: string; n: string }>(
      "SELECT metadata->>'actor' AS actor, count(*) AS n FROM events WHERE event_type NOT IN ('AlertRaised', 'AlertResolved') GROUP BY 1 ORDER BY 1",
    );
    expect(rows.length).toBeGreaterThan(2);
    for (const row of rows)
      expect(row.actor).toMatch(/^(admin:\*|bailleur:lmh|bailleur:pdc|epci:200093201|reservataire:als|etat:59):[a-f0-9]{16}$/);
    expect(rows.map((row) => row.actor.split(':').slice(0, 2).join(':'))).toEqual(
      expect.arrayContaining(['admin:*', 'bailleur:lmh', 'epci:200093201', 'etat:59', 'reservataire:als']),
    );
  });

  it('rejects, row by row, what a bailleur imports for another bailleur', async () => {
    const started = await call(
      { method: 'POST', path: '/v1/imports', contentType: 'text/csv', body: csvImport('pdc', 'cross') },
      keys.bailleur,
    );
    const report = await waitFor(
      () => call({ method: 'GET', path: `/v1/imports/${String(started.body!.id)}` }, keys.bailleur),
      (r) => r.body?.status === 'termine',
    );
    expect(report.body).toMatchObject({
      accepted: 0,
      rejected: 1,
      rejections: [{ line: 2, field: 'bailleur', code: 'TENANT_FORBIDDEN' }],
    });
  });

  it('documents each route’s roles in the OpenAPI document, health as public', async () => {
    const document = (await (await fetch(`${app.url}/docs/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { description?: string; security?: unknown[]; 'x-vigie-roles'?: string[] }>>;
    };
    expect(document.paths['/v1/leases/{leaseId}/cancellation']!.post).toMatchObject({
      'x-vigie-roles': ['bailleur', 'admin'],
      description: expect.stringContaining('Accès : bailleur, admin — ressource de son propre organisme uniquement'),
    });
    expect(document.paths['/health']!.get!.security).toEqual([]);
  });

  it('tells a key who it is', async () => {
    const me = await call({ method: 'GET', path: '/v1/me' }, keys.etat);
    expect(me.body).toEqual({
      keyId: expect.stringMatching(/^[a-f0-9]{16}$/),
      role: 'etat',
      tenant: '59',
      actor: expect.stringMatching(/^etat:59:[a-f0-9]{16}$/),
    });
  });

  it('refuses a revoked key at once', async () => {
    const key = await createKey(app.url, 'bailleur', 'lmh', 'poste perdu');
    expect((await call({ method: 'GET', path: '/v1/bailleurs' }, key.key)).status).toBe(200);
    expect((await call({ method: 'DELETE', path: `/v1/admin/api-keys/${key.id}` }, TEST_ADMIN_KEY)).status).toBe(200);
    expect((await call({ method: 'GET', path: '/v1/bailleurs' }, key.key)).status).toBe(401);
    const listed = await call({ method: 'GET', path: '/v1/admin/api-keys' }, TEST_ADMIN_KEY);
    const record = (listed.body as unknown as Array<Record<string, unknown>>).find((k) => k.id === key.id);
    expect(record).toMatchObject({ role: 'bailleur', tenant: 'lmh', revokedBy: 'admin:*:00000000000000ad' });
    // The secret (base64url, which may itself hold '_') never comes back.
    const secret = key.key.slice(`vigie_${key.id}_`.length);
    expect(secret).toHaveLength(43);
    expect(JSON.stringify(listed.body)).not.toContain(secret);
  });

  it('checks key creation input with French messages', async () => {
    const response = await postJson(`${app.url}/v1/admin/api-keys`, { role: 'etat', tenant: 'Nord', label: '' });
    expect(response.status).toBe(400);
    expect(response.body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'tenant', message: expect.stringContaining('département') }),
        expect.objectContaining({ path: 'label' }),
      ]),
    );
  });
});
