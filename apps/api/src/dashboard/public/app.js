// Vigie's web client: fills the page named by <main data-view> from the JSON API, with the
// person's session cookie (same origin) and the session's CSRF token on every write. Text is
// always set with textContent (never parsed as HTML).

import { api, el, fill, setCsrfToken } from './kit.js';

const main = document.querySelector('main');
const view = main?.dataset.view;
/** Who is signed in (`/v1/session`'s principal: role and organisation), once start() has read it. */
let principal = null;
const id = main?.dataset.id ?? '';

const showError = (error) => {
  if (error.message === 'session') return;
  fill(
    document.getElementById('erreur'),
    el('div', { class: 'fr-alert fr-alert--error fr-mb-2w' }, el('p', { text: error.message })),
  );
};

const SECRET = 'secret statistique';
const percent = (value) =>
  value === null || value === undefined ? '—' : `${(value * 100).toLocaleString('fr-FR', { maximumFractionDigits: 1 })} %`;
const points = (value) =>
  value === null || value === undefined
    ? '—'
    : `${value > 0 ? '+' : ''}${(value * 100).toLocaleString('fr-FR', { maximumFractionDigits: 1 })} points`;
const count = (value) => (value === null || value === undefined ? '—' : value.toLocaleString('fr-FR'));
/** A calendar day (YYYY-MM-DD, already a Paris day) as French readers write it: JJ/MM/AAAA. */
const frenchDate = (day) =>
  typeof day === 'string' && /^\d{4}-\d{2}-\d{2}/.test(day) ? day.slice(0, 10).split('-').reverse().join('/') : '—';
/** An instant (ISO 8601 with its offset) as a Paris date and time: JJ/MM/AAAA HH:MM. */
const parisDateTime = (instant) =>
  instant ? new Date(instant).toLocaleString('fr-FR', { timeZone: 'Europe/Paris', dateStyle: 'short', timeStyle: 'short' }) : '—';
/** A month (YYYY-MM) in words: « mars 2026 ». */
const frenchMonth = (month, style = 'long') =>
  new Date(`${month}-15T12:00:00Z`).toLocaleDateString('fr-FR', { month: style, year: 'numeric', timeZone: 'UTC' });
/** Sort key of a day shown as JJ/MM/AAAA: the day itself (YYYY-MM-DD sorts as text). */
const dayCell = (day) => ({ text: frenchDate(day), sort: day ?? '' });
/** A figure's field as shown: masked ones say so (never 0). */
const shown = (figure, field, format) => (figure.masked?.includes(field) ? SECRET : format(figure[field]));

const STATUS = {
  atteint: { label: 'Atteint', badge: 'fr-badge--success' },
  en_retard: { label: 'En retard', badge: 'fr-badge--error' },
  non_evaluable: { label: 'Non évaluable', badge: 'fr-badge--info' },
};
const statusBadge = (figure) =>
  figure.masked?.includes('status')
    ? el('p', { class: 'fr-badge fr-badge--no-icon', text: SECRET })
    : el('p', { class: `fr-badge ${STATUS[figure.status].badge}`, text: STATUS[figure.status].label });

const OBJECTIVE_NAMES = {
  HQ1: 'Hors QPV : ménages du premier quartile',
  QNQ1: 'En QPV : ménages hors premier quartile',
  PRIO: 'Publics prioritaires',
  ANRU: 'Relogements ANRU',
};
const objectiveName = (objective) =>
  objective.id.startsWith('TERR') ? objective.label : (OBJECTIVE_NAMES[objective.id] ?? objective.label);

const ALERT_RULES = {
  RATE_BELOW_TARGET: 'Taux sous la cible',
  TARGET_UNREACHABLE: 'Cible hors d’atteinte d’ici la fin de l’année',
  UNKNOWN_Q1_SHARE: 'Trop de baux au premier quartile inconnu (ressources manquantes)',
  FLUX_DRIFT: 'Écart entre les logements dus et orientés (gestion en flux)',
  CONTINGENT_MISUSE: 'Contingent mal utilisé',
  BILAN_DUE: 'Bilan annuel à remettre',
};
const SCOPE_KINDS = {
  epci: 'EPCI',
  bailleur: 'Bailleur',
  reservataire: 'Réservataire',
  secteur: 'Secteur',
  commune: 'Commune',
  bailleur_reservataire: 'Obligation',
  convention: 'Convention',
};

/** A table, sortable by any column (buttons in the headers, aria-sort says the order). */
function sortableTable(caption, columns, rows) {
  let sortBy = 0;
  let ascending = true;
  const tbody = el('tbody');
  const headers = columns.map((column, index) =>
    el(
      'th',
      { scope: 'col', 'aria-sort': index === 0 ? 'ascending' : 'none' },
      el('button', { type: 'button', class: 'vigie-sort', text: column.label, onclick: () => sort(index) }),
    ),
  );
  const sort = (index) => {
    ascending = sortBy === index ? !ascending : true;
    sortBy = index;
    headers.forEach((header, i) =>
      header.setAttribute('aria-sort', i === sortBy ? (ascending ? 'ascending' : 'descending') : 'none'),
    );
    render();
  };
  const render = () => {
    const key = (row) => row[sortBy].sort ?? row[sortBy].text;
    const sorted = [...rows].sort((a, b) => {
      const [x, y] = [key(a), key(b)];
      const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), 'fr');
      return ascending ? order : -order;
    });
    fill(
      tbody,
      sorted.map((row) =>
        el(
          'tr',
          {},
          row.map((cell) => (cell.node ? el('td', {}, cell.node) : el('td', { text: cell.text }))),
        ),
      ),
    );
  };
  render();
  return el(
    'div',
    { class: 'fr-table fr-table--no-caption' },
    el(
      'div',
      { class: 'fr-table__wrapper' },
      el(
        'div',
        { class: 'fr-table__container' },
        el(
          'div',
          { class: 'fr-table__content' },
          el('table', {}, el('caption', { text: caption }), el('thead', {}, el('tr', {}, headers)), tbody),
        ),
      ),
    ),
  );
}

/** The period the form asks: year, asOf (ISO 8601 with offset) and signedUntil. */
function period() {
  const year = document.getElementById('annee').value;
  const asOf = document.getElementById('asOf').value;
  const signedUntil = document.getElementById('signedUntil').value;
  const query = new URLSearchParams({ year });
  if (asOf) query.set('asOf', new Date(asOf).toISOString());
  if (signedUntil) query.set('signedUntil', signedUntil);
  return query;
}

function setUpPeriod(onChange) {
  const form = document.getElementById('periode');
  const params = new URLSearchParams(window.location.search);
  document.getElementById('annee').value = params.get('annee') ?? String(new Date().getFullYear());
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    onChange();
  });
}

function freshness(view) {
  const at = view.freshness?.recordedAt ?? view.asOf?.recordedAt;
  const when = at ? parisDateTime(at) : 'aucun fait enregistré';
  const live = view.asOf?.live === false ? ' (vue à une date passée)' : '';
  fill(document.getElementById('fraicheur'), `Chiffres à jour du ${when}, position ${count(view.asOf?.position ?? 0)}${live}.`);
}

/**
 * What it takes to reach the target, in words that agree with the status badge: a figure that
 * cannot be evaluated never reads as reached, whatever `neededToTarget` says.
 */
function neededSentence(figure) {
  if (figure.masked?.includes('status')) return null;
  if (figure.status === 'non_evaluable') {
    if (figure.target === null || figure.target === undefined) return 'Non évaluable : aucune cible pour cet objectif.';
    if (figure.denominator === 0) return 'Non évaluable : aucune attribution dans la population de cet objectif sur la période.';
    const awaiting = figure.masked?.includes('awaitingThreshold') ? 'des' : count(figure.awaitingThreshold);
    return `Non évaluable : ${awaiting} attribution(s) attendent le seuil du premier quartile de l’année, pas encore publié ; comptées selon ce seuil, elles peuvent suffire à atteindre la cible.`;
  }
  if (figure.neededToTarget === null || figure.neededToTarget === undefined || figure.masked?.includes('neededToTarget'))
    return null;
  const more = `${count(figure.neededToTarget)} attribution(s) qualifiante(s) de plus${figure.reachable === false ? ' (hors d’atteinte au rythme actuel)' : ''}`;
  if (figure.status === 'atteint')
    return figure.neededToTarget === 0
      ? 'Atteint : aucune attribution qualifiante supplémentaire nécessaire d’ici la fin de l’année.'
      : `Atteint à ce jour ; pour le rester jusqu’à la fin de l’année au rythme actuel : ${more}.`;
  return `En retard : pour atteindre la cible d’ici la fin de l’année, ${more}.`;
}

function objectiveCard(objective, figure, scopeLabel) {
  const needed = neededSentence(figure);
  return el(
    'div',
    { class: 'fr-col-12 fr-col-md-6 fr-col-lg-4' },
    el(
      'div',
      { class: 'fr-card fr-card--no-arrow', 'data-objectif': objective.id },
      el(
        'div',
        { class: 'fr-card__body' },
        el(
          'div',
          { class: 'fr-card__content' },
          el('h3', {
            class: 'fr-card__title',
            text: `${objective.id.startsWith('TERR') ? 'Territorialisé' : objective.id} — ${objectiveName(objective)}${scopeLabel ? ` : ${scopeLabel}` : ''}`,
          }),
          el(
            'div',
            { class: 'fr-card__desc' },
            el(
              'dl',
              { class: 'vigie-figures' },
              el('dt', { text: 'Taux' }),
              el('dd', { 'data-champ': 'taux', text: shown(figure, 'rate', percent) }),
              el('dt', { text: 'Cible' }),
              el('dd', { 'data-champ': 'cible', text: percent(figure.target) }),
              el('dt', { text: 'Écart' }),
              el('dd', { 'data-champ': 'ecart', text: shown(figure, 'gap', points) }),
              el('dt', { text: 'Qualifiantes / attributions' }),
              el('dd', {
                'data-champ': 'ratio',
                text: `${shown(figure, 'numerator', count)} / ${shown(figure, 'denominator', count)}`,
              }),
            ),
          ),
          el('div', { class: 'fr-card__start' }, statusBadge(figure)),
          needed
            ? el('div', { class: 'fr-card__end' }, el('p', { class: 'fr-text--sm', 'data-champ': 'besoin', text: needed }))
            : null,
        ),
      ),
    ),
  );
}

/** An objective's monthly trajectory as Chart.js data: the cumulative rate against the target line. */
function trajectoryData(objective, months) {
  return {
    labels: months.map((month) => frenchMonth(month.month, 'short')),
    datasets: [
      {
        label: `Taux cumulé ${objective.id} (%)`,
        data: months.map((month) => (month.rate === null ? null : Math.round(month.rate * 1000) / 10)),
        borderColor: '#000091',
        backgroundColor: '#000091',
        spanGaps: true,
      },
      {
        label: 'Cible (%)',
        data: months.map(() => (objective.target === null ? null : Math.round(objective.target * 1000) / 10)),
        borderColor: '#ce0500',
        borderDash: [6, 4],
        pointRadius: 0,
      },
    ],
  };
}
const TRAJECTORY_SCALES = { y: { min: 0, title: { display: true, text: '%' } } };

let chart = null;
function trajectory(report, objectiveId) {
  const objective = report.objectives.find((candidate) => candidate.id === objectiveId) ?? report.objectives[0];
  if (!objective) return;
  const figure = objective.scopes.find((scope) => scope.scope.kind === 'epci')?.figure;
  if (!figure) return;
  const months = figure.monthly ?? [];
  const canvas = document.getElementById('trajectoire');
  if (window.Chart && canvas) {
    const data = trajectoryData(objective, months);
    if (chart) {
      chart.data = data;
      chart.update('none');
    } else {
      chart = new window.Chart(canvas, {
        type: 'line',
        data,
        options: { animation: false, responsive: true, maintainAspectRatio: false, scales: TRAJECTORY_SCALES },
      });
    }
  }
  fill(
    document.getElementById('trajectoire-tableau'),
    sortableTable(
      `Trajectoire mensuelle de ${objective.id}`,
      [{ label: 'Mois' }, { label: 'Qualifiantes' }, { label: 'Attributions' }, { label: 'Taux cumulé' }, { label: 'Cible' }],
      months.map((month) => [
        { text: frenchMonth(month.month), sort: month.month },
        { text: month.masked ? SECRET : count(month.numerator), sort: month.numerator ?? -1 },
        { text: month.masked ? SECRET : count(month.denominator), sort: month.denominator ?? -1 },
        { text: month.masked ? SECRET : percent(month.rate), sort: month.rate ?? -1 },
        { text: percent(objective.target) },
      ]),
    ),
  );
}

function objectiveOptions(select, report) {
  const current = select.value;
  fill(
    select,
    report.objectives.map((objective) =>
      el('option', { value: objective.id, text: `${objective.id} — ${objectiveName(objective)}` }),
    ),
  );
  if (current && report.objectives.some((objective) => objective.id === current)) select.value = current;
}

function alertList(alerts, names) {
  const open = alerts.filter((alert) => alert.status === 'ouverte');
  if (!open.length) return el('p', { text: 'Aucune alerte ouverte.' });
  return el(
    'ul',
    {},
    open.map((alert) => {
      const scope = alert.scope
        ? `${SCOPE_KINDS[alert.scope.kind] ?? alert.scope.kind} ${alertScopeName(names, alert.scope)}`
        : '';
      const figure = alert.measure ?? alert.figure ?? {};
      const current =
        figure.rate !== undefined && figure.rate !== null
          ? ` — taux au déclenchement ${percent(figure.rate)}${figure.target !== undefined && figure.target !== null ? `, cible ${percent(figure.target)}` : ''}`
          : '';
      const year = alert.year ? ` en ${alert.year}` : '';
      return el(
        'li',
        {},
        el('p', { class: 'fr-badge fr-badge--warning fr-badge--sm', text: 'Alerte ouverte' }),
        ` ${ALERT_RULES[alert.rule] ?? alert.rule}${alert.objective ? ` (${alert.objective})` : ''}${year} : ${scope}${current}, déclenchée le ${parisDateTime(alert.raisedAt)}.`,
      );
    }),
  );
}

/**
 * An alert's scope by name. A bailleur × réservataire scope id is its two parties' ids joined by `:` (each escaped so that
 * it holds no `:`), a convention's its bailleur, réservataire and reference.
 */
function alertScopeName(names, scope) {
  const parts = scope.id.split(':').map((part) => decodeURIComponent(part));
  if (scope.kind === 'bailleur_reservataire' && parts.length === 2)
    return pairName(names, { bailleurId: parts[0], reservataireId: parts[1] });
  if (scope.kind === 'convention' && parts.length === 3)
    return `${parts[2]} (${nameOf(names, 'bailleur', parts[0])} — ${nameOf(names, 'reservataire', parts[1])})`;
  return nameOf(names, scope.kind, scope.id);
}

/** A PRIO scope of one réservataire's flux at one bailleur (or that bailleur's own non-réservé stock), by name. */
function pairName(names, parties) {
  return `${nameOf(names, 'bailleur', parties.bailleurId)} — ${nameOf(names, 'reservataire', parties.reservataireId)}`;
}

function nameOf(names, kind, code) {
  if (!names) return code;
  if (kind === 'bailleur') return names.bailleurs?.[code] ?? code;
  if (kind === 'reservataire') return code === 'non_reserve' ? 'Non réservé' : (names.reservataires?.[code] ?? code);
  if (kind === 'commune') return names.communes?.[code] ? `${names.communes[code]} (${code})` : code;
  if (kind === 'secteur') return code === 'hors_secteur' ? 'Hors secteur' : (names.sectors?.[code] ?? code);
  if (kind === 'epci') return names.epcis?.[code] ?? names.epci?.name ?? code;
  return code;
}

/**
 * Live updates over the stream: `refresh(position)` runs as soon as the server says the figures
 * include the new facts (`figures`, sent once the compliance projection has them), and on each
 * alert. Should that word not come (a projection held up), the facts' own events refresh after 3 s.
 */
function live(epci, refresh) {
  if (!window.EventSource) return;
  const source = new EventSource(`/v1/stream${epci ? `?epci=${encodeURIComponent(epci)}` : ''}`);
  let wanted = 0;
  let fallback = null;
  const now = () => {
    clearTimeout(fallback);
    fallback = null;
    refresh(wanted);
  };
  const seen = (event) => (wanted = Math.max(wanted, JSON.parse(event.data).position ?? 0));
  source.addEventListener('fact', (event) => {
    seen(event);
    fallback ??= setTimeout(now, 3_000);
  });
  source.addEventListener('figures', (event) => {
    seen(event);
    now();
  });
  source.addEventListener('alert', (event) => {
    seen(event);
    now();
  });
}

// ——— EPCI ———
async function epciPage() {
  const siren = id;
  let names = null;
  let report = null;
  const trajectorySelect = document.getElementById('objectif-trajectoire');
  const breakdownSelect = document.getElementById('repartition-objectif');
  const breakdownBy = document.getElementById('repartition-par');
  const leaseFilter = document.getElementById('filtre-baux');

  const loadNames = async () => {
    names = await api(`/v1/epcis/${siren}/names`);
    try {
      const cia = await api(`/v1/epcis/${siren}/cia`);
      names.sectors = Object.fromEntries((cia.sectors ?? cia.cia?.sectors ?? []).map((sector) => [sector.id, sector.name]));
    } catch {
      names.sectors = {};
    }
    if (names.epci?.name) document.querySelector('h1').textContent = `${names.epci.name} — tableau de bord`;
  };

  /**
   * Reads the figures; when `atLeast` is given, again until they include that position (the API
   * may answer from a read of a few tens of milliseconds ago). An answer older than the one shown
   * (two live reads crossing) is not shown.
   */
  const loadFigures = async (atLeast = 0) => {
    let read = null;
    for (let attempt = 0; attempt < 100; attempt++) {
      read = await api(`/v1/epcis/${siren}/compliance?${period()}`);
      if (!atLeast || read.asOf.position >= atLeast || read.asOf.live === false) break;
      await new Promise((resolve) => setTimeout(resolve, 30));
    }
    if (atLeast && report && read.asOf.live && report.asOf.live && read.asOf.position < report.asOf.position) return;
    report = read;
    freshness(report);
    fill(
      document.getElementById('objectifs'),
      report.objectives.map((objective) => {
        const figure = objective.scopes.find((scope) => scope.scope.kind === 'epci')?.figure;
        return figure ? objectiveCard(objective, figure) : null;
      }),
    );
    objectiveOptions(trajectorySelect, report);
    objectiveOptions(breakdownSelect, report);
    trajectory(report, trajectorySelect.value);
  };

  const loadAlerts = async () => {
    const alerts = await api(`/v1/alerts?epci=${siren}&status=ouverte`);
    fill(document.getElementById('alertes'), alertList(alerts, names));
  };

  // Live refreshes and a person's choices may cross: only the answer to the latest call of each loader is shown.
  const calls = { breakdown: 0, leases: 0 };
  const loadBreakdown = async () => {
    const call = ++calls.breakdown;
    const by = breakdownBy.value;
    const grouped = await api(`/v1/epcis/${siren}/compliance?${period()}&groupBy=${by}`);
    if (call !== calls.breakdown) return;
    const objective = grouped.objectives.find((candidate) => candidate.id === breakdownSelect.value) ?? grouped.objectives[0];
    if (!objective) return fill(document.getElementById('repartition'), el('p', { text: 'Aucun objectif.' }));
    // The PRIO obligations (each réservataire's flux at each bailleur, each bailleur's non-réservé stock) carry the
    // 25 % target: they are listed with the breakdowns by bailleur and by réservataire.
    const withPairs = by === 'bailleur' || by === 'reservataire';
    const rows = objective.scopes
      .filter((scope) => scope.scope.kind === by || (withPairs && scope.scope.kind === 'bailleur_reservataire'))
      .map(({ scope, figure }) => [
        { text: scope.kind === 'bailleur_reservataire' ? pairName(names, scope.parties) : nameOf(names, by, scope.id) },
        { text: shown(figure, 'numerator', count), sort: figure.numerator ?? -1 },
        { text: shown(figure, 'denominator', count), sort: figure.denominator ?? -1 },
        { text: shown(figure, 'rate', percent), sort: figure.rate ?? -1 },
        { text: percent(figure.target), sort: figure.target ?? -1 },
        { text: figure.masked?.includes('status') ? SECRET : STATUS[figure.status].label },
      ]);
    fill(
      document.getElementById('repartition'),
      sortableTable(
        `${objective.id} par ${breakdownBy.selectedOptions[0].textContent.toLowerCase()}`,
        [
          { label: breakdownBy.selectedOptions[0].textContent },
          { label: 'Qualifiantes' },
          { label: 'Attributions' },
          { label: 'Taux' },
          { label: 'Cible' },
          { label: 'Statut' },
        ],
        rows,
      ),
    );
  };

  // The list is read at the same two times as the cards: what Vigie knew then, leases signed up to a day.
  const leasesQuery = () => {
    const query = period();
    if (leaseFilter.value) query.set('filter', leaseFilter.value);
    return query;
  };
  const Q1 = { q1: 'Premier quartile', non_q1: 'Hors premier quartile', unknown: 'Inconnu', pending: 'En attente du seuil' };
  // An EPCI's lease list is the EPCI's, the État's and admins' (the API refuses it to bailleurs and réservataires).
  const leasesOpen = !['bailleur', 'reservataire'].includes(principal?.role);
  if (!leasesOpen) {
    const box = document.getElementById('baux');
    // The filters and export buttons go too (a DSFR grid row is display:flex, which the hidden attribute alone loses to).
    if (box.previousElementSibling) box.previousElementSibling.style.display = 'none';
    fill(
      box,
      el('p', {
        text: 'La liste des baux de l’EPCI est réservée à l’EPCI, à l’État et aux administrateurs : vos propres baux sont sur la page de votre organisme.',
      }),
    );
  }
  const loadLeases = async () => {
    if (!leasesOpen) return;
    const call = ++calls.leases;
    const list = await api(`/v1/epcis/${siren}/leases?${leasesQuery()}`);
    if (call !== calls.leases) return;
    document.getElementById('export-baux').setAttribute('href', `/v1/epcis/${siren}/leases?${leasesQuery()}&format=csv`);
    document.getElementById('export-baux-xlsx').setAttribute('href', `/v1/epcis/${siren}/leases?${leasesQuery()}&format=xlsx`);
    fill(
      document.getElementById('baux'),
      sortableTable(
        `Baux de ${report?.year ?? ''}`,
        [
          { label: 'Date' },
          { label: 'Bailleur' },
          { label: 'Réservataire' },
          { label: 'Commune' },
          { label: 'Q1' },
          { label: 'Signalements' },
        ],
        list.leases.map((lease) => [
          dayCell(lease.leaseDate),
          { text: nameOf(names, 'bailleur', lease.bailleurId) },
          { text: lease.reservataireId ? nameOf(names, 'reservataire', lease.reservataireId) : 'Non réservé' },
          { text: nameOf(names, 'commune', lease.communeInsee) },
          { text: Q1[lease.q1] ?? lease.q1 },
          {
            text:
              [
                lease.withoutCalDecision ? 'Sans décision de CAL' : '',
                lease.probableDuplicate ? 'Doublon probable' : '',
                lease.flatLeasedTwice ? 'Logement loué deux fois en 30 jours' : '',
              ]
                .filter(Boolean)
                .join(', ') || '—',
          },
        ]),
      ),
    );
  };

  const all = async (atLeast) => {
    try {
      await loadFigures(atLeast);
      await Promise.all([loadAlerts(), loadBreakdown(), loadLeases()]);
      main.dataset.position = String(report.asOf.position);
      document.getElementById('lien-rapport').setAttribute('href', `/epci/${siren}/rapport?annee=${report.year}`);
    } catch (error) {
      showError(error);
    }
  };
  setUpPeriod(() => all());
  trajectorySelect.addEventListener('change', () => report && trajectory(report, trajectorySelect.value));
  breakdownBy.addEventListener('change', () => loadBreakdown().catch(showError));
  breakdownSelect.addEventListener('change', () => loadBreakdown().catch(showError));
  leaseFilter.addEventListener('change', () => loadLeases().catch(showError));
  try {
    await loadNames();
  } catch (error) {
    showError(error);
  }
  await all();
  // Live: the cards and the trajectory at once; the alerts, breakdown and lease list once the burst has passed.
  let rest = null;
  live(siren, async (position) => {
    try {
      await loadFigures(position);
      main.dataset.position = String(report.asOf.position);
    } catch (error) {
      showError(error);
    }
    clearTimeout(rest);
    rest = setTimeout(() => Promise.all([loadAlerts(), loadBreakdown(), loadLeases()]).catch(showError), 300);
  });
}

// ——— Conventions (bailleur, réservataire, État) ———

/** The registered bailleurs' and réservataires' names, to show names instead of ids. */
async function organisationNames() {
  const [bailleurs, reservataires] = await Promise.all([api('/v1/bailleurs'), api('/v1/reservataires')]);
  return {
    bailleurs: Object.fromEntries(bailleurs.map((item) => [item.id, item.name])),
    reservataires: Object.fromEntries(reservataires.map((item) => [item.id, item.name])),
  };
}

/** The conventions of a year the person may see (`GET /v1/conventions`), each with its flux figures. */
const readConventions = (year, filters = {}) => api(`/v1/conventions?${new URLSearchParams({ year: String(year), ...filters })}`);

/** A count the API may mask (statistical secrecy): null is shown as such, never as 0. */
const maybeSecret = (value, format = count) => (value === null ? SECRET : format(value));
const decimal = (value) =>
  value === null || value === undefined ? '—' : value.toLocaleString('fr-FR', { maximumFractionDigits: 2 });

/** Owed vs realised per convention, pro rata of the year elapsed; `party` is the other side's column. */
function conventionsTable(caption, conventions, names, party) {
  const partyColumn =
    party === 'reservataire'
      ? { label: 'Réservataire', cell: (c) => names.reservataires[c.reservataireId] ?? c.reservataireId }
      : { label: 'Bailleur', cell: (c) => names.bailleurs[c.bailleurId] ?? c.bailleurId };
  const table = sortableTable(
    caption,
    [
      { label: 'Convention' },
      { label: partyColumn.label },
      { label: 'Département' },
      { label: 'Dû sur l’année' },
      { label: 'Dû au prorata à ce jour' },
      { label: 'Réalisé (décompté)' },
      { label: 'Écart au prorata' },
      { label: 'Part réalisée / part due' },
    ],
    conventions.map((c) => [
      { text: c.conventionId },
      { text: partyColumn.cell(c) },
      { text: c.departement ?? '—' },
      { text: decimal(c.target), sort: c.target },
      { text: decimal(c.proRataTargetToDate), sort: c.proRataTargetToDate },
      { text: maybeSecret(c.counted.total), sort: c.counted.total ?? -1 },
      {
        text: c.gapToProRata === null ? SECRET : `${c.gapToProRata > 0 ? '+' : ''}${decimal(c.gapToProRata)}`,
        sort: c.gapToProRata ?? -1e9,
      },
      {
        text: `${c.realisedShare === null && c.counted.total === null ? SECRET : percent(c.realisedShare)}${c.countedBeyondNetBase > 0 ? ' ⚠' : ''} / ${percent(c.conventionShare)}`,
        sort: c.realisedShare ?? -1,
      },
    ]),
  );
  // More attributions counted than flats declared released: said, never left as a share over 100 %.
  const beyond = conventions.filter((c) => c.countedBeyondNetBase > 0);
  if (!beyond.length) return table;
  return el(
    'div',
    {},
    table,
    ...beyond.map((c) =>
      el('p', {
        class: 'fr-text--sm fr-mb-1w',
        'data-avertissement': 'base-nette',
        text: `⚠ Convention ${c.conventionId} : ${count(c.countedBeyondNetBase)} attribution(s) décomptée(s) au-delà des ${count(c.netBase)} logement(s) libéré(s) déclaré(s) en ${c.year} ; vérifiez que toutes les libérations de l’année sont enregistrées.`,
      }),
    ),
  );
}

// ——— Bailleur ———
async function bailleurPage() {
  const epciInput = document.getElementById('epci-bailleur');
  epciInput.value = new URLSearchParams(window.location.search).get('epci') ?? '';
  let names = { bailleurs: {}, reservataires: {} };
  const load = async () => {
    try {
      const year = document.getElementById('annee').value;
      const [alerts, listed] = await Promise.all([api(`/v1/alerts?status=ouverte`), readConventions(year)]);
      fill(document.getElementById('alertes'), alertList(alerts, names));
      fill(
        document.getElementById('conventions'),
        listed.conventions.length
          ? conventionsTable(`Conventions de réservation en ${year}`, listed.conventions, names, 'reservataire')
          : el('p', { text: `Aucune convention de réservation en vigueur en ${year}.` }),
      );
      if (!epciInput.value) {
        // By default, the EPCI where the bailleur signed most of its leases of the year (the person may type another).
        const own = await api(`/v1/bailleurs/${encodeURIComponent(id)}/leases?year=${year}`).catch(() => ({ leases: [] }));
        const counts = new Map();
        for (const lease of own.leases ?? [])
          if (lease.epciSiren) counts.set(lease.epciSiren, (counts.get(lease.epciSiren) ?? 0) + 1);
        const [busiest] = [...counts].sort((a, b) => b[1] - a[1]);
        if (busiest) epciInput.value = busiest[0];
      }
      if (/^\d{9}$/.test(epciInput.value)) {
        const report = await api(`/v1/epcis/${epciInput.value}/compliance?${period()}&groupBy=bailleur`);
        freshness(report);
        fill(
          document.getElementById('objectifs'),
          report.objectives.flatMap((objective) => {
            const own = objective.scopes.find((scope) => scope.scope.kind === 'bailleur' && scope.scope.id === id)?.figure;
            // Its PRIO obligations: each réservataire's flux at this bailleur and its own non-réservé stock.
            const pairs = objective.scopes.filter(
              (scope) => scope.scope.kind === 'bailleur_reservataire' && scope.scope.parties?.bailleurId === id,
            );
            return [
              own ? objectiveCard(objective, own) : null,
              ...pairs.map(({ scope, figure }) =>
                objectiveCard(objective, figure, nameOf(names, 'reservataire', scope.parties.reservataireId)),
              ),
            ];
          }),
        );
      } else {
        fill(document.getElementById('objectifs'), el('p', { text: 'Indiquez le SIREN d’un EPCI pour voir votre position.' }));
      }
    } catch (error) {
      showError(error);
    }
  };
  names = await organisationNames().catch(() => names);
  setUpPeriod(load);
  epciInput.addEventListener('change', load);
  setUpImport();
  await load();
  live(null, load);
}

const IMPORT_STATUS = {
  en_attente: 'En attente',
  en_cours: 'En cours',
  termine: 'Terminé',
  echoue: 'Échoué',
  interrompu: 'Interrompu (arrêt du service)',
  refuse: 'Refusé : fichier non conforme, rien n’a été lu',
};
const IMPORT_RUNNING = ['en_attente', 'en_cours'];
const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** An import's figures in French: what was read, accepted, already there, refused, and why. */
function importFigures(report, preview) {
  return el(
    'div',
    {},
    el(
      'dl',
      { class: 'vigie-figures', 'data-import': report.id },
      el('dt', { text: 'Statut' }),
      el('dd', { 'data-champ': 'statut', text: IMPORT_STATUS[report.status] ?? report.status }),
      el('dt', { text: 'Lignes lues' }),
      el('dd', { 'data-champ': 'lignes', text: `${count(report.done)} / ${count(report.total)}` }),
      el('dt', { text: preview ? 'Seraient enregistrées' : 'Enregistrées' }),
      el('dd', { 'data-champ': 'acceptees', text: count(report.accepted) }),
      el('dt', { text: 'Déjà importées (ignorées)' }),
      el('dd', { 'data-champ': 'deja', text: count(report.alreadyImported) }),
      el('dt', { text: preview ? 'Seraient refusées' : 'Refusées' }),
      el('dd', {
        'data-champ': 'refusees',
        // A file refused whole (a column unknown or missing) has no rows counted: all of them are refused.
        text: report.status === 'refuse' ? 'toutes (fichier refusé en entier)' : count(report.rejected),
      }),
      report.encoding ? el('dt', { text: 'Encodage détecté' }) : null,
      report.encoding ? el('dd', { text: report.encoding }) : null,
    ),
    report.error ? el('div', { class: 'fr-alert fr-alert--error fr-alert--sm' }, el('p', { text: report.error })) : null,
    report.rejections?.length
      ? sortableTable(
          preview ? 'Lignes qui seraient refusées' : 'Lignes refusées',
          [{ label: 'Ligne' }, { label: 'Référence' }, { label: 'Colonne' }, { label: 'Valeur refusée' }, { label: 'Motif' }],
          report.rejections
            .slice(0, 50)
            .map((rejection) => [
              { text: count(rejection.line), sort: rejection.line },
              { text: rejection.reference ?? '—' },
              { text: rejection.field ?? '—' },
              { text: rejection.value ?? '—' },
              { text: rejection.message },
            ]),
        )
      : null,
  );
}

function setUpImport() {
  const form = document.getElementById('import');
  const input = document.getElementById('fichier');
  const progress = document.getElementById('progression');
  const progressText = document.getElementById('progression-texte');
  const send = (file, dryRun) =>
    api(`/v1/imports${dryRun ? '?dryRun=true' : ''}`, {
      method: 'POST',
      headers: { 'content-type': /\.xlsx$/i.test(file.name) ? XLSX_TYPE : 'text/csv' },
      body: file,
    });
  /** Follows an import until it ends; `onProgress` sees each report (its `done` of `total`). */
  const follow = async (started, onProgress) => {
    let report = started;
    onProgress(report);
    while (IMPORT_RUNNING.includes(report.status)) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      report = await api(`/v1/imports/${encodeURIComponent(started.id)}`);
      onProgress(report);
    }
    return report;
  };
  const showProgress = (report) => {
    const ratio = report.total ? Math.min(1, report.done / report.total) : IMPORT_RUNNING.includes(report.status) ? 0 : 1;
    progress.value = Math.round(ratio * 100);
    progressText.textContent =
      report.total === null
        ? 'Lecture du fichier…'
        : `${count(report.done)} ligne(s) traitée(s) sur ${count(report.total)} (${progress.value} %)`;
  };
  const failure = (target, error) =>
    fill(
      target,
      el(
        'div',
        { class: 'fr-alert fr-alert--error fr-alert--sm' },
        el('p', {
          text: `${error.message}${error.problem?.errors ? ` ${error.problem.errors.map((item) => item.message).join(' ')}` : error.problem?.detail ? ` ${error.problem.detail}` : ''}`,
        }),
      ),
    );

  const submit = form.querySelector('button[type="submit"], input[type="submit"]');
  input.addEventListener('change', async () => {
    const file = input.files?.[0];
    const target = document.getElementById('apercu');
    fill(document.getElementById('rapport'));
    // A new file starts afresh: no progress of the previous one, importable again until its preview says otherwise.
    progress.value = 0;
    progressText.textContent = '';
    if (submit) submit.disabled = false;
    if (!file) return fill(target);
    fill(target, el('p', { text: `Aperçu de ${file.name} en cours : rien n’est enregistré.` }));
    try {
      const report = await follow(await send(file, true), () => undefined);
      fill(
        target,
        el('h3', { class: 'fr-h6', text: `Aperçu de ${file.name} (rien n’est enregistré)` }),
        importFigures(report, true),
      );
      // A file its preview refuses whole would be refused again: nothing to import until it is corrected.
      if (submit && report.status === 'refuse') submit.disabled = true;
    } catch (error) {
      failure(target, error);
    }
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const file = input.files?.[0];
    const target = document.getElementById('rapport');
    if (!file) return fill(target, el('p', { class: 'fr-error-text', text: 'Choisissez d’abord un fichier CSV ou XLSX.' }));
    progress.value = 0;
    try {
      const report = await follow(await send(file, false), showProgress);
      showProgress(report);
      fill(
        target,
        el('h3', { class: 'fr-h6', text: `Rapport de l’import de ${file.name}` }),
        importFigures(report, false),
        undoForm(report),
      );
    } catch (error) {
      failure(target, error);
    }
  });

  /** Undo an import (leases it recorded cancelled, leases it corrected or cancelled put back, citing the import and the reason). */
  function undoForm(report) {
    if (!report.accepted) return null;
    const result = el('div', { 'aria-live': 'polite' });
    const reason = el('input', { class: 'fr-input', id: 'motif-annulation', required: true, maxlength: '300' });
    return el(
      'form',
      {
        class: 'fr-mt-2w',
        id: 'annulation-import',
        onsubmit: async (event) => {
          event.preventDefault();
          try {
            const undone = await api(`/v1/imports/${encodeURIComponent(report.id)}/cancellation`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ reason: reason.value }),
            });
            fill(
              result,
              el(
                'div',
                { class: 'fr-alert fr-alert--success fr-alert--sm' },
                el('p', {
                  'data-champ': 'annules',
                  text: `Import annulé : ${count(undone.cancelled)} bail(s) annulé(s) maintenant, ${count(undone.alreadyCancelled)} déjà annulé(s), ${count(undone.restored)} bail(s) corrigé(s) ou annulé(s) par l’import remis comme avant, ${count(undone.notRestorable)} modifié(s) depuis par un autre enregistrement et laissé(s) tel(s) quel(s), ${count(undone.otherFactsKept)} décision(s) de CAL ou refus conservé(s).`,
                }),
              ),
            );
          } catch (error) {
            failure(result, error);
          }
        },
      },
      el(
        'div',
        { class: 'fr-input-group' },
        el('label', { class: 'fr-label', for: 'motif-annulation', text: 'Motif de l’annulation (obligatoire)' }),
        reason,
      ),
      el('button', { class: 'fr-btn fr-btn--secondary', type: 'submit', text: 'Annuler cet import' }),
      result,
    );
  }
}

// ——— Réservataire ———
const LEDGER_RULES = {
  bail_signe: 'Bail signé',
  mobilite_inter_bailleurs: 'Mobilité inter-bailleurs',
  refus_apres_cal: 'Refus après CAL',
  validation_a_posteriori: 'Validation a posteriori',
};

async function reservatairePage() {
  let names = { bailleurs: {}, reservataires: {} };
  const load = async () => {
    try {
      const year = Number(document.getElementById('annee').value);
      const ledgerPath = `/v1/reservataires/${encodeURIComponent(id)}/ledger?year=${year}`;
      const [ledger, listed, alerts] = await Promise.all([
        api(ledgerPath),
        readConventions(year),
        api(`/v1/alerts?status=ouverte`),
      ]);
      document.getElementById('export-registre').setAttribute('href', `${ledgerPath}&format=csv`);
      document.getElementById('export-registre-xlsx').setAttribute('href', `${ledgerPath}&format=xlsx`);
      fill(
        document.getElementById('conventions'),
        listed.conventions.length
          ? conventionsTable(`Conventions en ${year}`, listed.conventions, names, 'bailleur')
          : el('p', { text: `Aucune convention en vigueur en ${year}.` }),
      );
      // Realised vs owed year by year, over the conventions' periods up to the year shown (six years at most).
      const first = Math.max(year - 5, Math.min(year, ...listed.conventions.map((c) => c.period?.startYear ?? year)));
      const years = [];
      for (let y = first; y <= year; y += 1) years.push(y);
      const byYear = await Promise.all(years.map((y) => (y === year ? listed : readConventions(y))));
      fill(
        document.getElementById('par-annee'),
        sortableTable(
          'Réalisé et dû par année',
          [
            { label: 'Année' },
            { label: 'Conventions' },
            { label: 'Dû' },
            { label: 'Réalisé (décompté)' },
            { label: 'Réalisé rapporté au dû' },
          ],
          byYear.map((answer, index) => {
            const owed = answer.conventions.reduce((sum, c) => sum + c.target, 0);
            const realised = answer.conventions.reduce((sum, c) => sum + (c.counted.total ?? 0), 0);
            return [
              { text: String(years[index]), sort: years[index] },
              { text: count(answer.conventions.length), sort: answer.conventions.length },
              { text: decimal(owed), sort: owed },
              { text: count(realised), sort: realised },
              { text: owed ? percent(realised / owed) : '—', sort: owed ? realised / owed : -1 },
            ];
          }),
        ),
      );
      fill(
        document.getElementById('registre'),
        ledger.rows.length
          ? [
              el('p', { 'data-champ': 'total-registre', text: `${count(ledger.total)} fait(s) décompté(s) en ${year}.` }),
              sortableTable(
                `Registre d’audit ${year}`,
                [
                  { label: 'Date' },
                  { label: 'Bailleur' },
                  { label: 'Convention' },
                  { label: 'Logement (RPLS)' },
                  { label: 'Commune' },
                  { label: 'QPV' },
                  { label: 'Règle de décompte' },
                  { label: 'Poids' },
                  { label: 'Enregistré le' },
                  { label: 'Événement' },
                ],
                ledger.rows.map((row) => [
                  dayCell(row.date),
                  { text: names.bailleurs[row.bailleurId] ?? row.bailleurId },
                  { text: row.conventionId ?? 'Hors convention' },
                  { text: row.rplsId },
                  { text: row.communeName ? `${row.communeName} (${row.communeInsee})` : row.communeInsee },
                  { text: row.inQpv ? 'En QPV' : 'Hors QPV' },
                  { text: LEDGER_RULES[row.rule] ?? row.rule },
                  { text: decimal(row.weight), sort: row.weight },
                  { text: parisDateTime(row.recordedAt), sort: row.recordedAt },
                  { text: row.eventId },
                ]),
              ),
            ]
          : el('p', { text: `Aucun fait décompté pour vous en ${year}.` }),
      );
      fill(document.getElementById('alertes'), alertList(alerts, names));
    } catch (error) {
      showError(error);
    }
  };
  names = await organisationNames().catch(() => names);
  setUpPeriod(load);
  await load();
}

// ——— État ———
async function etatPage() {
  const departement = id;
  let names = { bailleurs: {}, reservataires: {} };
  const objectives = ['HQ1', 'QNQ1', 'PRIO'];
  const load = async () => {
    try {
      const year = document.getElementById('annee').value;
      // One request for the whole département: every EPCI's figures side by side (and their names, for the alerts).
      const [alerts, listed, { epcis }] = await Promise.all([
        api(`/v1/alerts?status=ouverte`),
        readConventions(year),
        api(`/v1/departements/${encodeURIComponent(departement)}/compliance?${period()}`),
      ]);
      names.epcis = Object.fromEntries(epcis.map((epci) => [epci.siren, epci.name]));
      fill(document.getElementById('alertes'), alertList(alerts, names));
      const figureOf = (epci, objectiveId) => epci.objectives.find((candidate) => candidate.id === objectiveId)?.figure;
      fill(
        document.getElementById('epcis'),
        epcis.length
          ? sortableTable(
              `Les ${epcis.length} EPCI du département ${departement} en ${year}`,
              [
                { label: 'EPCI' },
                { label: 'Attributions' },
                ...objectives.map((objective) => ({ label: `${objective} : taux / cible, statut` })),
              ],
              epcis.map((epci) => {
                return [
                  { text: epci.name },
                  { text: count(epci.leases), sort: epci.leases },
                  ...objectives.map((objectiveId) => {
                    const figure = figureOf(epci, objectiveId);
                    if (!figure) return { text: '—', sort: -1 };
                    const status = figure.masked?.includes('status') ? SECRET : STATUS[figure.status].label;
                    return {
                      text: `${shown(figure, 'rate', percent)} / ${figure.target === null ? 'sans cible' : percent(figure.target)} — ${status}`,
                      sort: figure.rate ?? -1,
                    };
                  }),
                ];
              }),
            )
          : el('p', { text: 'Aucun EPCI connu dans ce département.' }),
      );
      const contingent = listed.conventions.filter((c) => c.contingent);
      const check = (reading) =>
        `${count(reading.count)} soit ${percent(reading.share)} (limite ${percent(reading.limit)}) — ${
          reading.withinLimit === null ? 'non évaluable' : reading.withinLimit ? 'dans la limite' : 'au-delà de la limite'
        }`;
      fill(
        document.getElementById('contingent'),
        contingent.length
          ? sortableTable(
              `Contingent préfectoral en ${year}`,
              [
                { label: 'Bailleur' },
                { label: 'Convention' },
                { label: 'Assiette nette' },
                { label: 'Logements orientés vers l’État' },
                { label: 'Baux signés sur le contingent' },
                { label: 'Agents publics' },
                { label: 'Contrôle' },
              ],
              contingent.map((c) => [
                { text: names.bailleurs[c.bailleurId] ?? c.bailleurId },
                { text: c.conventionId },
                { text: count(c.netBase), sort: c.netBase },
                { text: check(c.contingent.oriented), sort: c.contingent.oriented.share ?? -1 },
                { text: check(c.contingent.leases), sort: c.contingent.leases.share ?? -1 },
                { text: check(c.contingent.publicAgents), sort: c.contingent.publicAgents.share ?? -1 },
                {
                  text:
                    c.contingent.withinLimits === null
                      ? 'Non évaluable'
                      : c.contingent.withinLimits
                        ? 'Conforme'
                        : 'Non conforme',
                },
              ]),
            )
          : el('p', { text: `Aucune convention du contingent préfectoral en vigueur en ${year} dans le département.` }),
      );
    } catch (error) {
      showError(error);
    }
  };
  names = await organisationNames().catch(() => names);
  setUpPeriod(load);
  await load();
}

// ——— Admin ———
const ROLE_LABELS = { epci: 'EPCI', bailleur: 'Bailleur', reservataire: 'Réservataire', etat: 'État', admin: 'Administrateur' };
const RESERVATAIRE_KINDS = {
  etat: 'État (contingent préfectoral)',
  collectivite: 'Collectivité',
  action_logement: 'Action Logement',
  autre: 'Autre',
};

/** A write from an admin form: the answer, or a French error naming the fields, in `target`. */
async function adminWrite(target, path, method, body, success) {
  try {
    const answer = await api(path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    fill(target, el('div', { class: 'fr-alert fr-alert--success fr-alert--sm fr-mt-2w' }, ...success(answer)));
    return answer;
  } catch (error) {
    const details = error.problem?.errors?.map((item) => item.message).join(' ') ?? error.problem?.detail ?? '';
    fill(
      target,
      el(
        'div',
        { class: 'fr-alert fr-alert--error fr-alert--sm fr-mt-2w' },
        el('p', { text: `${error.message} ${details}`.trim() }),
      ),
    );
    return null;
  }
}

async function adminPage() {
  const load = async () => {
    try {
      const [people, keys, bailleurs, reservataires] = await Promise.all([
        api('/v1/admin/people'),
        api('/v1/admin/api-keys'),
        api('/v1/bailleurs'),
        api('/v1/reservataires'),
      ]);
      fill(
        document.getElementById('personnes'),
        sortableTable(
          'Personnes',
          [{ label: 'Nom' }, { label: 'Adresse' }, { label: 'Rôle' }, { label: 'Organisme' }, { label: 'État' }],
          people.map((person) => [
            { text: person.name },
            { text: person.email ?? '—' },
            { text: ROLE_LABELS[person.role] },
            { text: person.tenant ?? '—' },
            { text: person.disabledAt ? 'Désactivée' : 'Active' },
          ]),
        ),
      );
      fill(
        document.getElementById('cles'),
        sortableTable(
          'Clés d’API',
          [
            { label: 'Libellé' },
            { label: 'Rôle' },
            { label: 'Organisme' },
            { label: 'Créée le' },
            { label: 'État' },
            { label: 'Action' },
          ],
          keys.map((key) => [
            { text: key.label },
            { text: ROLE_LABELS[key.role] },
            { text: key.tenant ?? '—' },
            { text: parisDateTime(key.createdAt), sort: key.createdAt ?? '' },
            { text: key.revokedAt ? `Révoquée le ${parisDateTime(key.revokedAt)}` : 'Active' },
            key.revokedAt
              ? { text: '—' }
              : {
                  text: 'Révoquer',
                  node: el('button', {
                    type: 'button',
                    class: 'fr-btn fr-btn--sm fr-btn--tertiary',
                    'data-revoquer': key.id,
                    'aria-label': `Révoquer la clé ${key.label}`,
                    text: 'Révoquer',
                    onclick: async () => {
                      try {
                        await api(`/v1/admin/api-keys/${encodeURIComponent(key.id)}`, { method: 'DELETE' });
                        await load();
                      } catch (error) {
                        showError(error);
                      }
                    },
                  }),
                },
          ]),
        ),
      );
      fill(
        document.getElementById('organismes'),
        sortableTable(
          'Organismes',
          [{ label: 'Type' }, { label: 'Identifiant' }, { label: 'Nom' }, { label: 'SIREN' }],
          [
            ...bailleurs.map((item) => [
              { text: 'Bailleur' },
              { text: item.id },
              { text: item.name },
              { text: item.siren ?? '—' },
            ]),
            ...reservataires.map((item) => [
              { text: `Réservataire : ${RESERVATAIRE_KINDS[item.kind] ?? item.kind}` },
              { text: item.id },
              { text: item.name },
              { text: '—' },
            ]),
          ],
        ),
      );
    } catch (error) {
      showError(error);
    }
  };
  document.getElementById('invitation').addEventListener('submit', async (event) => {
    event.preventDefault();
    const role = document.getElementById('inv-role').value;
    const tenant = document.getElementById('inv-organisme').value.trim();
    const invited = await adminWrite(
      document.getElementById('invitation-resultat'),
      '/v1/admin/people',
      'POST',
      {
        name: document.getElementById('inv-nom').value,
        email: document.getElementById('inv-email').value || null,
        role,
        tenant: role === 'admin' ? null : tenant,
      },
      (answer) => [
        el('p', { text: `Invitation créée pour ${answer.name}. Transmettez-lui ce lien (valable 7 jours, à usage unique) :` }),
        el('p', {}, el('code', { id: 'lien-invitation', text: answer.signInLink })),
      ],
    );
    if (invited) await load();
  });
  document.getElementById('nouvelle-cle').addEventListener('submit', async (event) => {
    event.preventDefault();
    const role = document.getElementById('cle-role').value;
    const created = await adminWrite(
      document.getElementById('cle-resultat'),
      '/v1/admin/api-keys',
      'POST',
      {
        label: document.getElementById('cle-libelle').value,
        role,
        tenant: role === 'admin' ? null : document.getElementById('cle-organisme').value.trim(),
      },
      (answer) => [
        el('p', { text: `Clé créée pour ${answer.label}. Copiez-la maintenant : elle ne sera plus jamais affichée.` }),
        el('p', {}, el('code', { id: 'cle-secrete', text: answer.key })),
      ],
    );
    if (created) await load();
  });
  document.getElementById('nouvel-organisme').addEventListener('submit', async (event) => {
    event.preventDefault();
    const kind = document.getElementById('org-type').value;
    const organisationId = document.getElementById('org-id').value.trim();
    const name = document.getElementById('org-nom').value;
    const siren = document.getElementById('org-siren').value.trim();
    const bailleur = kind === 'bailleur';
    const saved = await adminWrite(
      document.getElementById('organisme-resultat'),
      `/v1/${bailleur ? 'bailleurs' : 'reservataires'}/${encodeURIComponent(organisationId)}`,
      'PUT',
      bailleur ? { name, siren: siren || null } : { name, kind },
      (answer) => [
        el('p', {
          text:
            answer.recorded === false
              ? `${name} était déjà enregistré tel quel.`
              : `${bailleur ? 'Bailleur' : 'Réservataire'} « ${name} » enregistré (identifiant ${organisationId}).`,
        }),
      ],
    );
    // The referential list is a projection: read it again until it shows the organisation just written.
    for (let attempt = 0; saved && attempt < 30; attempt += 1) {
      await load();
      const listed = [...document.querySelectorAll('#organismes td')].some((cell) => cell.textContent === organisationId);
      if (listed) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  });
  await load();
}

// ——— Rapport annuel (imprimable) ———
/**
 * An objective's trajectory chart for the printed report, as an image: Chart.js draws it once, at a
 * fixed size and without animation, on a canvas kept out of the page, and the picture is what the
 * page shows. A browser prints an image as it is, where a canvas may print blank (not yet drawn,
 * or resized for the paper). The table below the charts says the same figures in words.
 */
function trajectoryImage(objective, months) {
  if (!window.Chart || !months.length) return null;
  const block = el('figure', { class: 'vigie-report-block vigie-trajectoire' });
  const caption = `${objective.id} — ${objectiveName(objective)} : taux cumulé mois par mois${
    objective.target === null ? '' : ` et cible de ${percent(objective.target)}`
  } (valeurs dans le tableau ci-dessous)`;
  const canvas = document.createElement('canvas');
  canvas.width = 900;
  canvas.height = 300;
  const drawn = new window.Chart(canvas, {
    type: 'line',
    data: trajectoryData(objective, months),
    options: {
      animation: false,
      responsive: false,
      devicePixelRatio: 2,
      scales: TRAJECTORY_SCALES,
      plugins: { title: { display: true, text: `${objective.id} — ${objectiveName(objective)}` } },
    },
  });
  const image = el('img', {
    src: drawn.toBase64Image('image/png'),
    alt: caption,
    width: '900',
    height: '300',
    'data-trajectoire': objective.id,
  });
  drawn.destroy();
  block.append(image, el('figcaption', { class: 'fr-text--sm', text: caption }));
  return block;
}

/** One EPCI's annual report on one page that prints cleanly: objectives, trajectories, breakdowns, data quality. */
async function rapportPage() {
  const siren = id;
  document.getElementById('imprimer').addEventListener('click', () => window.print());
  const section = (title, ...children) => [el('h2', { text: title }), ...children];
  const load = async () => {
    try {
      const query = period();
      const [names, report] = await Promise.all([api(`/v1/epcis/${siren}/names`), api(`/v1/epcis/${siren}/compliance?${query}`)]);
      document.querySelector('h1').textContent = `${names.epci?.name ?? siren} — rapport annuel ${report.year}`;
      freshness(report);
      const epciFigure = (objective) => objective.scopes.find((scope) => scope.scope.kind === 'epci')?.figure;
      fill(
        document.getElementById('rapport-objectifs'),
        section(
          'Objectifs',
          sortableTable(
            `Objectifs de ${report.year}`,
            [
              { label: 'Objectif' },
              { label: 'Qualifiantes / attributions' },
              { label: 'Taux' },
              { label: 'Cible' },
              { label: 'Statut' },
              { label: 'Pour la fin de l’année' },
            ],
            report.objectives.map((objective) => {
              const figure = epciFigure(objective) ?? {};
              return [
                { text: `${objective.id} — ${objectiveName(objective)}` },
                { text: `${shown(figure, 'numerator', count)} / ${shown(figure, 'denominator', count)}` },
                { text: shown(figure, 'rate', percent), sort: figure.rate ?? -1 },
                { text: percent(figure.target) },
                { text: figure.masked?.includes('status') ? SECRET : (STATUS[figure.status]?.label ?? '—') },
                { text: neededSentence(figure) ?? '—' },
              ];
            }),
          ),
        ),
      );
      fill(
        document.getElementById('rapport-trajectoires'),
        section(
          'Trajectoires mensuelles (taux cumulé)',
          ...report.objectives.map((objective) => trajectoryImage(objective, epciFigure(objective)?.monthly ?? [])),
          sortableTable(
            'Taux cumulé mois par mois',
            [{ label: 'Mois' }, ...report.objectives.map((objective) => ({ label: objective.id }))],
            (epciFigure(report.objectives[0] ?? { scopes: [] })?.monthly ?? []).map((month, index) => [
              { text: frenchMonth(month.month), sort: month.month },
              ...report.objectives.map((objective) => {
                const monthly = epciFigure(objective)?.monthly?.[index];
                return {
                  text: !monthly
                    ? '—'
                    : monthly.masked
                      ? SECRET
                      : `${percent(monthly.rate)} (${count(monthly.numerator)} / ${count(monthly.denominator)})`,
                };
              }),
            ]),
          ),
        ),
      );
      const groupings = [
        ['bailleur', 'Par bailleur'],
        ['reservataire', 'Par réservataire'],
        ['commune', 'Par commune'],
      ];
      const grouped = await Promise.all(groupings.map(([by]) => api(`/v1/epcis/${siren}/compliance?${query}&groupBy=${by}`)));
      fill(
        document.getElementById('rapport-repartitions'),
        section(
          'Répartitions',
          ...groupings.map(([by, label], index) =>
            el(
              'div',
              { class: 'vigie-report-block' },
              el('h3', { text: label }),
              sortableTable(
                `${label} : taux par objectif`,
                [
                  { label: label.replace('Par ', '').replace(/^./, (c) => c.toUpperCase()) },
                  ...grouped[index].objectives.map((o) => ({ label: o.id })),
                ],
                [
                  ...new Set(
                    grouped[index].objectives.flatMap((o) => o.scopes.filter((s) => s.scope.kind === by).map((s) => s.scope.id)),
                  ),
                ].map((scopeId) => [
                  { text: nameOf(names, by, scopeId) },
                  ...grouped[index].objectives.map((objective) => {
                    const figure = objective.scopes.find((s) => s.scope.kind === by && s.scope.id === scopeId)?.figure;
                    return figure
                      ? {
                          text: `${shown(figure, 'rate', percent)} (${shown(figure, 'numerator', count)} / ${shown(figure, 'denominator', count)})`,
                          sort: figure.rate ?? -1,
                        }
                      : { text: '—', sort: -1 };
                  }),
                ]),
              ),
            ),
          ),
        ),
      );
      const quality = report.dataQuality ?? {};
      fill(
        document.getElementById('rapport-qualite'),
        section(
          'Qualité des données',
          el(
            'dl',
            { class: 'vigie-figures' },
            ...[
              ['Baux de l’année', quality.leases],
              ['Q1 inconnu (ressources manquantes)', quality.unknownQ1],
              ['Q1 en attente du seuil', quality.pendingQ1],
              ['Mutations internes', quality.internalMutations],
              ['Sans décision de CAL', quality.withoutCalDecision],
              ['Doublons probables', quality.probableDuplicates],
              ['Logements loués deux fois en 30 jours', quality.flatLeasedTwice],
            ].flatMap(([label, value]) => [el('dt', { text: label }), el('dd', { text: count(value) })]),
          ),
        ),
      );
    } catch (error) {
      showError(error);
    }
  };
  setUpPeriod(load);
  await load();
}

async function start() {
  if (view) {
    const session = await api('/v1/session');
    setCsrfToken(session.csrfToken);
    principal = session.principal;
    for (const who of document.querySelectorAll('#qui, #qui-mobile'))
      who.textContent = session.person?.name ?? session.principal.role;
  }
  // The DSFR copies the header's buttons into the small-screen menu (ids suffixed -mobile): one handler for both.
  document.addEventListener('click', async (event) => {
    if (!(event.target instanceof Element) || !event.target.closest('#deconnexion, #deconnexion-mobile')) return;
    await api('/v1/session/logout', { method: 'POST' }).catch(() => null);
    window.location.assign('/connexion');
  });
  const pages = {
    epci: epciPage,
    bailleur: bailleurPage,
    reservataire: reservatairePage,
    etat: etatPage,
    admin: adminPage,
    rapport: rapportPage,
  };
  await pages[view]?.();
  main.dataset.ready = 'true';
}

start().catch(showError);
