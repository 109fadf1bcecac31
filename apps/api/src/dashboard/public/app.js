// Vigie's web client: fills the page named by <main data-view> from the JSON API, with the
// person's session cookie (same origin) and the session's CSRF token on every write. Text is
// always set with textContent (never parsed as HTML).

const main = document.querySelector('main');
const view = main?.dataset.view;
const id = main?.dataset.id ?? '';

let csrfToken = null;

/** Reads the JSON API; a lost session leads back to the sign-in page. */
async function api(path, init = {}) {
  const method = init.method ?? 'GET';
  const headers = { accept: 'application/json', ...(init.headers ?? {}) };
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  const response = await fetch(path, { ...init, method, headers, credentials: 'same-origin' });
  if (response.status === 401) {
    window.location.assign('/connexion?erreur=session');
    throw new Error('session');
  }
  const body = response.headers.get('content-type')?.includes('json') ? await response.json() : await response.text();
  if (!response.ok) {
    const error = new Error(body?.title ?? `Erreur ${response.status}`);
    error.problem = body;
    throw error;
  }
  return body;
}

/** An element with attributes and children (strings become text nodes). */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'text') node.textContent = value;
    else if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? '' : value);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child);
  return node;
}

const fill = (target, ...children) => target?.replaceChildren(...children.flat());
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
const SCOPE_KINDS = { epci: 'EPCI', bailleur: 'Bailleur', reservataire: 'Réservataire', secteur: 'Secteur', commune: 'Commune' };

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
          row.map((cell) => el('td', { text: cell.text })),
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
  const when = at ? new Date(at).toLocaleString('fr-FR', { timeZone: 'Europe/Paris' }) : 'aucun fait enregistré';
  const live = view.asOf?.live === false ? ' (vue à une date passée)' : '';
  fill(document.getElementById('fraicheur'), `Chiffres à jour du ${when}, position ${count(view.asOf?.position ?? 0)}${live}.`);
}

function objectiveCard(objective, figure) {
  const needed =
    figure.neededToTarget === null || figure.masked?.includes('neededToTarget')
      ? null
      : figure.neededToTarget === 0
        ? 'Cible atteinte : aucune attribution supplémentaire nécessaire.'
        : `Pour atteindre la cible d’ici la fin de l’année : ${count(figure.neededToTarget)} attribution(s) qualifiante(s) de plus${figure.reachable === false ? ' (hors d’atteinte au rythme actuel)' : ''}.`;
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
            text: `${objective.id.startsWith('TERR') ? 'Territorialisé' : objective.id} — ${objectiveName(objective)}`,
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

let chart = null;
function trajectory(report, objectiveId) {
  const objective = report.objectives.find((candidate) => candidate.id === objectiveId) ?? report.objectives[0];
  if (!objective) return;
  const figure = objective.scopes.find((scope) => scope.scope.kind === 'epci')?.figure;
  if (!figure) return;
  const months = figure.monthly ?? [];
  const labels = months.map((month) =>
    new Date(`${month.month}-15`).toLocaleDateString('fr-FR', { month: 'short', year: 'numeric' }),
  );
  const rates = months.map((month) => (month.rate === null ? null : Math.round(month.rate * 1000) / 10));
  const target = months.map(() => (objective.target === null ? null : Math.round(objective.target * 1000) / 10));
  const canvas = document.getElementById('trajectoire');
  if (window.Chart && canvas) {
    const data = {
      labels,
      datasets: [
        {
          label: `Taux cumulé ${objective.id} (%)`,
          data: rates,
          borderColor: '#000091',
          backgroundColor: '#000091',
          spanGaps: true,
        },
        { label: 'Cible (%)', data: target, borderColor: '#ce0500', borderDash: [6, 4], pointRadius: 0 },
      ],
    };
    if (chart) {
      chart.data = data;
      chart.update('none');
    } else {
      chart = new window.Chart(canvas, {
        type: 'line',
        data,
        options: {
          animation: false,
          responsive: true,
          maintainAspectRatio: false,
          scales: { y: { min: 0, title: { display: true, text: '%' } } },
        },
      });
    }
  }
  fill(
    document.getElementById('trajectoire-tableau'),
    sortableTable(
      `Trajectoire mensuelle de ${objective.id}`,
      [{ label: 'Mois' }, { label: 'Qualifiantes' }, { label: 'Attributions' }, { label: 'Taux cumulé' }, { label: 'Cible' }],
      months.map((month) => [
        { text: month.month },
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
        ? `${SCOPE_KINDS[alert.scope.kind] ?? alert.scope.kind} ${nameOf(names, alert.scope.kind, alert.scope.id)}`
        : '';
      const figure = alert.figure ?? alert.observed ?? {};
      const current =
        figure.rate !== undefined
          ? ` — taux actuel ${percent(figure.rate)}${figure.target !== undefined ? `, cible ${percent(figure.target)}` : ''}`
          : '';
      return el(
        'li',
        {},
        el('p', { class: 'fr-badge fr-badge--warning fr-badge--sm', text: 'Alerte ouverte' }),
        ` ${ALERT_RULES[alert.rule] ?? alert.rule}${alert.objective ? ` (${alert.objective})` : ''} : ${scope}${current}, levée le ${new Date(alert.raisedAt).toLocaleString('fr-FR', { timeZone: 'Europe/Paris' })}.`,
      );
    }),
  );
}

function nameOf(names, kind, code) {
  if (!names) return code;
  if (kind === 'bailleur') return names.bailleurs?.[code] ?? code;
  if (kind === 'reservataire') return code === 'non_reserve' ? 'Non réservé' : (names.reservataires?.[code] ?? code);
  if (kind === 'commune') return names.communes?.[code] ? `${names.communes[code]} (${code})` : code;
  if (kind === 'secteur') return code === 'hors_secteur' ? 'Hors secteur' : (names.sectors?.[code] ?? code);
  if (kind === 'epci') return names.epci?.name ?? code;
  return code;
}

/** Live updates: the figures are read again when a fact or an alert of this EPCI arrives, until they include it. */
function live(epci, refresh) {
  if (!window.EventSource) return;
  const source = new EventSource(`/v1/stream${epci ? `?epci=${encodeURIComponent(epci)}` : ''}`);
  let timer = null;
  let wanted = 0;
  const onEvent = (event) => {
    const data = JSON.parse(event.data);
    wanted = Math.max(wanted, data.position ?? 0);
    clearTimeout(timer);
    timer = setTimeout(() => refresh(wanted), 50);
  };
  source.addEventListener('fact', onEvent);
  source.addEventListener('alert', onEvent);
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

  /** Reads the figures; when `atLeast` is given, again until they include that position (the projection may be a moment behind). */
  const loadFigures = async (atLeast = 0) => {
    for (let attempt = 0; attempt < 20; attempt++) {
      report = await api(`/v1/epcis/${siren}/compliance?${period()}`);
      if (!atLeast || report.asOf.position >= atLeast || report.asOf.live === false) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
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

  const loadBreakdown = async () => {
    const by = breakdownBy.value;
    const grouped = await api(`/v1/epcis/${siren}/compliance?${period()}&groupBy=${by}`);
    const objective = grouped.objectives.find((candidate) => candidate.id === breakdownSelect.value) ?? grouped.objectives[0];
    if (!objective) return fill(document.getElementById('repartition'), el('p', { text: 'Aucun objectif.' }));
    const rows = objective.scopes
      .filter((scope) => scope.scope.kind === by)
      .map(({ scope, figure }) => [
        { text: nameOf(names, by, scope.id) },
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

  const leasesQuery = () => {
    const query = period();
    query.delete('asOf');
    if (leaseFilter.value) query.set('filter', leaseFilter.value);
    return query;
  };
  const Q1 = { q1: 'Premier quartile', non_q1: 'Hors premier quartile', unknown: 'Inconnu', pending: 'En attente du seuil' };
  const loadLeases = async () => {
    const list = await api(`/v1/epcis/${siren}/leases?${leasesQuery()}`);
    document.getElementById('export-baux').setAttribute('href', `/v1/epcis/${siren}/leases?${leasesQuery()}&format=csv`);
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
          { text: lease.leaseDate },
          { text: nameOf(names, 'bailleur', lease.bailleurId) },
          { text: lease.reservataireId ? nameOf(names, 'reservataire', lease.reservataireId) : 'Non réservé' },
          { text: nameOf(names, 'commune', lease.communeInsee) },
          { text: Q1[lease.q1] ?? lease.q1 },
          {
            text:
              [lease.withoutCalDecision ? 'Sans décision de CAL' : '', lease.probableDuplicate ? 'Doublon probable' : '']
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
  live(siren, (position) => all(position));
}

// ——— Bailleur ———
async function bailleurPage() {
  const epciInput = document.getElementById('epci-bailleur');
  epciInput.value = new URLSearchParams(window.location.search).get('epci') ?? '';
  const load = async () => {
    try {
      const alerts = await api(`/v1/alerts?status=ouverte`);
      fill(document.getElementById('alertes'), alertList(alerts, null));
      const conventions = await api(`/v1/conventions?bailleur=${encodeURIComponent(id)}`).catch(() => []);
      const list = Array.isArray(conventions) ? conventions : (conventions.conventions ?? []);
      fill(
        document.getElementById('conventions'),
        list.length
          ? sortableTable(
              'Conventions',
              [{ label: 'Convention' }, { label: 'Réservataire' }, { label: 'Statut' }],
              list.map((convention) => [
                { text: convention.conventionId ?? convention.id },
                { text: convention.reservataireId ?? '—' },
                { text: convention.status ?? '—' },
              ]),
            )
          : el('p', { text: 'Aucune convention enregistrée.' }),
      );
      if (/^\d{9}$/.test(epciInput.value)) {
        const report = await api(`/v1/epcis/${epciInput.value}/compliance?${period()}&groupBy=bailleur`);
        freshness(report);
        fill(
          document.getElementById('objectifs'),
          report.objectives.map((objective) => {
            const own = objective.scopes.find((scope) => scope.scope.kind === 'bailleur' && scope.scope.id === id)?.figure;
            return own ? objectiveCard(objective, own) : null;
          }),
        );
      }
    } catch (error) {
      showError(error);
    }
  };
  setUpPeriod(load);
  epciInput.addEventListener('change', load);
  setUpImport();
  await load();
  live(null, load);
}

function setUpImport() {
  const form = document.getElementById('import');
  const input = document.getElementById('fichier');
  const progress = document.getElementById('progression');
  const progressText = document.getElementById('progression-texte');
  input.addEventListener('change', async () => {
    const file = input.files?.[0];
    if (!file) return;
    const preview = file.name.endsWith('.csv')
      ? (await file.text()).split(/\r?\n/).slice(0, 6)
      : [`${file.name} (${count(file.size)} octets)`];
    fill(
      document.getElementById('apercu'),
      el('p', { class: 'fr-text--bold', text: 'Aperçu' }),
      el('pre', { class: 'vigie-preview', text: preview.join('\n') }),
    );
  });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const file = input.files?.[0];
    if (!file) return;
    progress.value = 0;
    try {
      const type = file.name.endsWith('.xlsx') ? 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' : 'text/csv';
      const started = await api(`/v1/imports?bailleurId=${encodeURIComponent(id)}`, {
        method: 'POST',
        headers: { 'content-type': type },
        body: file,
      });
      const importId = started.importId ?? started.id;
      let report = started;
      for (let attempt = 0; attempt < 600 && importId; attempt++) {
        report = await api(`/v1/imports/${importId}`);
        const total = report.progress?.total ?? report.totalRows ?? report.rows ?? 0;
        const done = report.progress?.done ?? report.processedRows ?? total;
        progress.value = total ? Math.round((done / total) * 100) : 100;
        progressText.textContent = `${progress.value} %`;
        if (!['en_cours', 'running', 'pending'].includes(report.status)) break;
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      progress.value = 100;
      progressText.textContent = '100 %';
      fill(document.getElementById('rapport'), el('pre', { class: 'vigie-preview', text: JSON.stringify(report, null, 2) }));
    } catch (error) {
      fill(
        document.getElementById('rapport'),
        el('div', { class: 'fr-alert fr-alert--error' }, el('p', { text: error.message })),
      );
    }
  });
}

// ——— Réservataire ———
async function reservatairePage() {
  const load = async () => {
    try {
      const year = document.getElementById('annee').value;
      const ledger = await api(`/v1/reservataires/${encodeURIComponent(id)}/ledger?year=${year}`);
      document
        .getElementById('export-registre')
        .setAttribute('href', `/v1/reservataires/${encodeURIComponent(id)}/ledger?year=${year}&format=csv`);
      const entries = Array.isArray(ledger) ? ledger : (ledger.entries ?? ledger.lines ?? []);
      fill(
        document.getElementById('registre'),
        entries.length
          ? sortableTable(
              'Registre d’audit',
              Object.keys(entries[0])
                .slice(0, 6)
                .map((label) => ({ label })),
              entries.map((entry) =>
                Object.values(entry)
                  .slice(0, 6)
                  .map((value) => ({ text: typeof value === 'object' ? JSON.stringify(value) : String(value ?? '—') })),
              ),
            )
          : el('p', { text: 'Aucune entrée pour cette année.' }),
      );
      const alerts = await api(`/v1/alerts?status=ouverte`);
      fill(document.getElementById('alertes'), alertList(alerts, null));
    } catch (error) {
      showError(error);
    }
  };
  setUpPeriod(load);
  await load();
}

// ——— État ———
async function etatPage() {
  const load = async () => {
    try {
      const alerts = await api(`/v1/alerts?status=ouverte`);
      fill(document.getElementById('alertes'), alertList(alerts, null));
      const sirens = [...new Set(alerts.map((alert) => alert.epciSiren).filter(Boolean))];
      const reports = await Promise.all(
        sirens.map((siren) => api(`/v1/epcis/${siren}/compliance?${period()}`).catch(() => null)),
      );
      const objectives = ['HQ1', 'QNQ1', 'PRIO', 'ANRU'];
      fill(
        document.getElementById('epcis'),
        reports.some(Boolean)
          ? sortableTable(
              'Les EPCI du département',
              [{ label: 'EPCI' }, ...objectives.map((objective) => ({ label: `${objective} (taux / cible)` }))],
              reports.filter(Boolean).map((report) => [
                { text: report.epciSiren },
                ...objectives.map((objectiveId) => {
                  const objective = report.objectives.find((candidate) => candidate.id === objectiveId);
                  const figure = objective?.scopes.find((scope) => scope.scope.kind === 'epci')?.figure;
                  return figure
                    ? {
                        text: `${percent(figure.rate)} / ${percent(figure.target)} — ${STATUS[figure.status].label}`,
                        sort: figure.rate ?? -1,
                      }
                    : { text: '—', sort: -1 };
                }),
              ]),
            )
          : el('p', { text: 'Aucun EPCI du département n’a encore d’alerte ni de chiffre à comparer.' }),
      );
    } catch (error) {
      showError(error);
    }
  };
  setUpPeriod(load);
  await load();
}

// ——— Admin ———
async function adminPage() {
  const ROLE = { epci: 'EPCI', bailleur: 'Bailleur', reservataire: 'Réservataire', etat: 'État', admin: 'Administrateur' };
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
            { text: ROLE[person.role] },
            { text: person.tenant ?? '—' },
            { text: person.disabledAt ? 'Désactivée' : 'Active' },
          ]),
        ),
      );
      fill(
        document.getElementById('cles'),
        sortableTable(
          'Clés d’API',
          [{ label: 'Libellé' }, { label: 'Rôle' }, { label: 'Organisme' }, { label: 'État' }],
          keys.map((key) => [
            { text: key.label },
            { text: ROLE[key.role] },
            { text: key.tenant ?? '—' },
            { text: key.revokedAt ? 'Révoquée' : 'Active' },
          ]),
        ),
      );
      fill(
        document.getElementById('organismes'),
        sortableTable(
          'Organismes',
          [{ label: 'Type' }, { label: 'Identifiant' }, { label: 'Nom' }],
          [
            ...bailleurs.map((item) => [{ text: 'Bailleur' }, { text: item.id }, { text: item.name }]),
            ...reservataires.map((item) => [{ text: 'Réservataire' }, { text: item.id }, { text: item.name }]),
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
    try {
      const invited = await api('/v1/admin/people', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          name: document.getElementById('inv-nom').value,
          email: document.getElementById('inv-email').value || null,
          role,
          tenant: role === 'admin' ? null : tenant,
        }),
      });
      fill(
        document.getElementById('invitation-resultat'),
        el(
          'div',
          { class: 'fr-alert fr-alert--success fr-mt-2w' },
          el('p', { text: `Invitation créée pour ${invited.name}. Transmettez-lui ce lien (valable 7 jours, à usage unique) :` }),
          el('p', {}, el('code', { id: 'lien-invitation', text: invited.signInLink })),
        ),
      );
      await load();
    } catch (error) {
      const details = error.problem?.errors?.map((item) => item.message).join(' ') ?? '';
      fill(
        document.getElementById('invitation-resultat'),
        el('div', { class: 'fr-alert fr-alert--error fr-mt-2w' }, el('p', { text: `${error.message} ${details}` })),
      );
    }
  });
  await load();
}

async function start() {
  const logout = document.getElementById('deconnexion');
  if (view) {
    const session = await api('/v1/session');
    csrfToken = session.csrfToken;
    const who = document.getElementById('qui');
    if (who) who.textContent = session.person?.name ?? session.principal.role;
  }
  logout?.addEventListener('click', async () => {
    await api('/v1/session/logout', { method: 'POST' }).catch(() => null);
    window.location.assign('/connexion');
  });
  const pages = { epci: epciPage, bailleur: bailleurPage, reservataire: reservatairePage, etat: etatPage, admin: adminPage };
  await pages[view]?.();
  main.dataset.ready = 'true';
}

start().catch(showError);
