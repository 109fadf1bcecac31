// "Simuler une attribution" panel (EPCI and bailleur pages) and the year-end forecast band on the
// trajectory chart. Reads and posts the JSON API with the person's session (same origin, CSRF
// token of /v1/session). Text is always set with textContent (never parsed as HTML).

import { api as call, el } from './kit.js';

const main = document.querySelector('main');
const view = main?.dataset.view;
const pageId = main?.dataset.id ?? '';
const MAX_CANDIDATES = 10;

const percent = (value) =>
  value === null || value === undefined ? '—' : `${(value * 100).toLocaleString('fr-FR', { maximumFractionDigits: 1 })} %`;
/** A change in points as the API gives it (thousandths of a point). */
const points = (value) =>
  value === null || value === undefined
    ? '—'
    : `${value > 0 ? '+' : ''}${value.toLocaleString('fr-FR', { maximumFractionDigits: 3 })} pt`;
const count = (value) => (value === null || value === undefined ? 'secret statistique' : value.toLocaleString('fr-FR'));
const SCOPES = {
  epci: 'EPCI',
  bailleur: 'Bailleur',
  reservataire: 'Réservataire',
  secteur: 'Secteur',
  commune: 'Commune',
  bailleur_reservataire: 'Bailleur × réservataire',
};
const CROSSINGS = { vers_atteint: 'atteint la cible', vers_en_retard: 'passe sous la cible' };
const figure = (f) => `${count(f.numerator)} / ${count(f.denominator)} (${percent(f.rate)})`;

function field(id, label, attributes = {}, hint = null) {
  return el(
    'div',
    { class: 'fr-input-group fr-col-12 fr-col-md-4' },
    el('label', { class: 'fr-label', for: id, text: label }, hint ? el('span', { class: 'fr-hint-text', text: hint }) : null),
    el('input', { class: 'fr-input', id, name: id, ...attributes }),
  );
}

function select(id, label, values) {
  return el(
    'div',
    { class: 'fr-select-group fr-col-12 fr-col-md-4' },
    el('label', { class: 'fr-label', for: id, text: label }),
    el('select', { class: 'fr-select', id, name: id }, ...values.map((value) => el('option', { value, text: value }))),
  );
}

function candidateRow(rank) {
  const cell = (name, attributes) =>
    el(
      'td',
      {},
      el('input', {
        class: 'fr-input',
        name,
        'aria-label': `${attributes.label} (candidat ${rank})`,
        ...attributes,
        label: null,
      }),
    );
  return el(
    'tr',
    { 'data-rang': String(rank) },
    el('td', { text: String(rank) }),
    cell('personnes', { label: 'Personnes de 14 ans et plus', type: 'number', min: '1', max: '20', value: '1', required: true }),
    cell('enfants', { label: 'Enfants de moins de 14 ans', type: 'number', min: '0', max: '20', value: '0', required: true }),
    cell('revenus', { label: 'Revenus annuels (€), vide si inconnus', type: 'number', min: '0', step: '1' }),
    el('td', {}, el('input', { type: 'checkbox', name: 'dalo', 'aria-label': `DALO ou public prioritaire (candidat ${rank})` })),
    cell('reservataire', { label: 'Réservataire (vide : non réservé)', type: 'text' }),
  );
}

function panel() {
  const rows = el('tbody', {}, candidateRow(1), candidateRow(2));
  const add = el('button', {
    class: 'fr-btn fr-btn--secondary fr-btn--sm',
    type: 'button',
    text: 'Ajouter un candidat',
    onclick: () => {
      if (rows.children.length < MAX_CANDIDATES) rows.append(candidateRow(rows.children.length + 1));
    },
  });
  const form = el(
    'form',
    { id: 'sim-form', class: 'fr-mb-2w' },
    el(
      'div',
      { class: 'fr-grid-row fr-grid-row--gutters' },
      view === 'epci'
        ? field('sim-bailleur', 'Bailleur', { required: true }, 'identifiant du bailleur')
        : field('sim-epci', 'EPCI', { inputmode: 'numeric', required: true }, 'SIREN à 9 chiffres'),
      field('sim-rpls', 'Logement (identifiant RPLS)', { required: true }),
      field('sim-commune', 'Commune (code INSEE)', { inputmode: 'numeric', required: true }),
      field('sim-qpv', 'QPV', {}, 'code, vide si hors QPV'),
      select('sim-typologie', 'Typologie', ['T1', 'T2', 'T3', 'T4', 'T5', 'T6+']),
      select('sim-financement', 'Financement', ['PLAI', 'PLUS', 'PLS', 'PLI', 'autre']),
      field('sim-date', 'Date du bail', { type: 'date' }, 'facultatif : aujourd’hui'),
    ),
    el(
      'div',
      { class: 'fr-table' },
      el(
        'table',
        {},
        el('caption', { text: 'Ménages candidats (rien n’est enregistré, aucun numéro unique demandé)' }),
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            ...['Rang', 'Personnes 14 ans et +', 'Enfants < 14 ans', 'Revenus annuels (€)', 'DALO', 'Réservataire'].map((text) =>
              el('th', { scope: 'col', text }),
            ),
          ),
        ),
        rows,
      ),
    ),
    el(
      'ul',
      { class: 'fr-btns-group fr-btns-group--inline' },
      el('li', {}, add),
      el('li', {}, el('button', { class: 'fr-btn', type: 'submit', text: 'Simuler' })),
    ),
  );
  const errors = el('div', { id: 'sim-erreur', role: 'alert' });
  const results = el('div', { id: 'sim-resultats', 'aria-live': 'polite' });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    errors.replaceChildren();
    const value = (name) => form.querySelector(`#${name}`)?.value.trim() ?? '';
    const siren = view === 'epci' ? pageId : value('sim-epci') || document.getElementById('epci-bailleur')?.value.trim();
    const body = {
      bailleurId: view === 'epci' ? value('sim-bailleur') : pageId,
      ...(value('sim-date') ? { leaseDate: value('sim-date') } : {}),
      flat: {
        rplsId: value('sim-rpls'),
        communeInsee: value('sim-commune'),
        epciSiren: siren,
        qpvCode: value('sim-qpv') || null,
        typology: value('sim-typologie'),
        financing: value('sim-financement'),
      },
      candidates: [...rows.children].map((row, index) => {
        const input = (name) => row.querySelector(`[name="${name}"]`);
        const resources = input('revenus').value.trim();
        return {
          rank: index + 1,
          composition: {
            personsAged14OrMore: Number(input('personnes').value),
            childrenUnder14: Number(input('enfants').value),
          },
          yearlyResources: resources === '' ? null : Number(resources),
          flags: { dalo: input('dalo').checked },
          reservataireId: input('reservataire').value.trim() || null,
        };
      }),
    };
    try {
      show(
        results,
        await call(`/v1/epcis/${encodeURIComponent(siren)}/compliance/simulations`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }),
      );
    } catch (error) {
      results.replaceChildren();
      errors.replaceChildren(
        el(
          'div',
          { class: 'fr-alert fr-alert--error fr-mb-2w' },
          el('p', { text: error.message }),
          ...(error.problem?.errors ?? []).map((problem) => el('p', { text: problem.message })),
        ),
      );
    }
  });
  return [form, errors, results];
}

function fluxLine(flux) {
  if (!flux)
    return el('p', {
      class: 'fr-text--sm',
      text: 'Flux : le bail ne compterait sur aucune convention (non réservé, mutation interne ou aucune convention en vigueur).',
    });
  const crossing = flux.crossing === 'vers_atteint' ? ' — engagement de l’année atteint' : '';
  const limits = flux.limitsCrossed.length ? ` — contingent préfectoral dépassé (${flux.limitsCrossed.join(', ')})` : '';
  return el('p', {
    class: 'fr-text--sm',
    'data-flux': flux.conventionId,
    text: `Flux de la convention ${flux.conventionId} : ${count(flux.before.counted.total)} → ${count(flux.after.counted.total)} décomptés pour ${flux.after.target.toLocaleString('fr-FR', { maximumFractionDigits: 1 })} dus, part réalisée ${percent(flux.before.realisedShare)} → ${percent(flux.after.realisedShare)} (${points(flux.changePoints)})${crossing}${limits}`,
  });
}

function show(target, simulation) {
  target.replaceChildren(
    el('p', {
      class: 'fr-text--sm',
      text: `Chiffres au ${simulation.referenceDate}, position ${simulation.asOf.position} ; rien n’a été enregistré.`,
    }),
    ...simulation.candidates.map((candidate) =>
      el(
        'section',
        { class: 'fr-mb-3w', 'data-candidat': String(candidate.rank) },
        el('h3', {
          class: 'fr-h6',
          text: `Candidat ${candidate.rank} — ${candidate.reading.q1 === 'q1' ? '1er quartile' : candidate.reading.q1 === 'non_q1' ? 'hors 1er quartile' : 'Q1 inconnu'}${candidate.reading.priority ? ', prioritaire' : ''}, compté pour ${candidate.reading.countsFor === 'non_reserve' ? 'le non-réservé' : candidate.reading.countsFor}`,
        }),
        el(
          'div',
          { class: 'fr-table fr-table--sm' },
          el(
            'table',
            {},
            el('caption', { class: 'fr-sr-only', text: `Effet de l’attribution au candidat ${candidate.rank}` }),
            el(
              'thead',
              {},
              el(
                'tr',
                {},
                ...['Objectif', 'Périmètre', 'Avant', 'Après', 'Écart', 'Cible'].map((text) => el('th', { scope: 'col', text })),
              ),
            ),
            el(
              'tbody',
              {},
              ...candidate.scopes.map((scope) =>
                el(
                  'tr',
                  { 'data-objectif': scope.objective, 'data-perimetre': `${scope.scope.kind}:${scope.scope.id}` },
                  el('td', { text: scope.objective }),
                  el('td', { text: `${SCOPES[scope.scope.kind] ?? scope.scope.kind} ${scope.scope.id}` }),
                  el('td', { text: figure(scope.before) }),
                  el('td', { text: figure(scope.after) }),
                  el('td', { text: points(scope.changePoints) }),
                  el('td', { text: scope.crossing ? CROSSINGS[scope.crossing] : percent(scope.before.target) }),
                ),
              ),
            ),
          ),
        ),
        fluxLine(candidate.flux),
      ),
    ),
  );
}

// ——— Forecast band on the trajectory chart (EPCI page) ———
const forecasts = new Map();
let forecastNote = null;

function periodQuery() {
  const year = document.getElementById('annee')?.value || String(new Date().getFullYear());
  const signedUntil = document.getElementById('signedUntil')?.value;
  return `year=${encodeURIComponent(year)}${signedUntil ? `&signedUntil=${encodeURIComponent(signedUntil)}` : ''}`;
}

function loadForecast(chart, query) {
  forecasts.set(query, 'loading');
  call(`/v1/epcis/${encodeURIComponent(pageId)}/compliance/forecast?${query}`)
    .then((forecast) => {
      forecasts.set(query, forecast);
      chart.update('none');
    })
    .catch(() => forecasts.set(query, null));
}

const forecastPlugin = {
  id: 'vigieForecast',
  beforeUpdate(chart) {
    if (chart.canvas?.id !== 'trajectoire') return;
    const datasets = chart.data.datasets.filter((dataset) => !dataset.vigieForecast);
    const objectiveId = /Taux cumulé (\S+)/.exec(datasets[0]?.label ?? '')?.[1];
    const query = periodQuery();
    const forecast = forecasts.get(query);
    if (forecast === undefined) loadForecast(chart, query);
    const scope = forecast?.objectives
      ?.find((objective) => objective.id === objectiveId)
      ?.scopes.find((candidate) => candidate.scope.kind === 'epci');
    chart.data.datasets = datasets;
    if (chart.data.labels === chart.$vigieLabels) chart.data.labels = chart.data.labels.slice(0, chart.$vigieKnown);
    const expected = scope?.forecast;
    if (!expected || expected.expectedRate === null || !expected.interval) {
      if (forecastNote) forecastNote.textContent = '';
      return;
    }
    const year = Number(forecast.year);
    // The months drawn so far (the labels this plugin extended last time are not the page's own).
    const known = chart.data.labels === chart.$vigieLabels ? chart.$vigieKnown : chart.data.labels.length;
    const labels = chart.data.labels.slice(0, known);
    for (let month = known + 1; month <= 12; month++)
      labels.push(
        new Date(`${year}-${String(month).padStart(2, '0')}-15`).toLocaleDateString('fr-FR', { month: 'short', year: 'numeric' }),
      );
    chart.data.labels = labels;
    chart.$vigieLabels = labels;
    chart.$vigieKnown = known;
    const last = known - 1;
    const start = datasets[0]?.data?.[last] ?? null;
    const line = (value) =>
      labels.map((_, index) => (index === 11 ? Math.round(value * 1000) / 10 : index === last ? start : null));
    const band = { borderColor: 'rgba(0, 0, 145, 0.35)', pointRadius: 0, spanGaps: true, vigieForecast: true };
    chart.data.datasets = [
      ...datasets.map((dataset) =>
        dataset.label === 'Cible (%)'
          ? { ...dataset, data: labels.map(() => dataset.data.find((v) => v !== null) ?? null) }
          : dataset,
      ),
      { ...band, label: `Prévision basse (${expected.interval.level * 100} %)`, data: line(expected.interval.low) },
      {
        ...band,
        label: `Prévision haute (${expected.interval.level * 100} %)`,
        data: line(expected.interval.high),
        fill: '-1',
        backgroundColor: 'rgba(0, 0, 145, 0.12)',
      },
      {
        ...band,
        label: 'Taux attendu au 31/12 (%)',
        data: line(expected.expectedRate),
        borderDash: [3, 3],
        borderColor: '#000091',
      },
    ];
    if (forecastNote) {
      forecastNote.textContent = `Prévision au 31 décembre (${objectiveId}) : ${percent(expected.expectedRate)}, intervalle à ${expected.interval.level * 100} % de ${percent(expected.interval.low)} à ${percent(expected.interval.high)}${expected.probabilityOfTarget === null ? '' : ` ; probabilité d’atteindre la cible : ${percent(expected.probabilityOfTarget)}`}.`;
    }
  },
};

if (view === 'epci' && window.Chart) {
  window.Chart.register(forecastPlugin);
  const chartBox = document.querySelector('.vigie-chart');
  if (chartBox) {
    forecastNote = el('p', { id: 'prevision', class: 'fr-text--sm', 'aria-live': 'polite' });
    chartBox.after(forecastNote);
  }
  // A new period or a new fact: the forecast is read again at the next drawing.
  document.getElementById('periode')?.addEventListener('submit', () => forecasts.clear());
}

const section = document.getElementById('simulation');
if (section && (view === 'epci' || view === 'bailleur')) {
  section.replaceChildren(
    el('h2', { text: 'Simuler une attribution' }),
    el('p', {
      text: 'Pour un logement libéré et jusqu’à dix ménages candidats : ce que chaque attribution ferait à chaque objectif et au flux de la convention, avant et après. Rien n’est enregistré.',
    }),
    ...panel(),
  );
}
