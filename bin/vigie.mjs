#!/usr/bin/env node
// Vigie command-line client.
//   vigie import FILE --api URL [--key KEY] [--format csv|ndjson|xlsx] [--feuille NAME] [--apercu]
//   vigie modele [--format csv|xlsx] --api URL [--key KEY] [--sortie FILE]
//   vigie keys create --role ROLE [--tenant ORG] --label LABEL --api URL --key ADMIN_KEY
//   vigie keys list --api URL --key ADMIN_KEY
//   vigie keys revoke KEY_ID --api URL --key ADMIN_KEY
//   vigie keys generate            (a new key, offline: for VIGIE_ADMIN_KEY)
// --key defaults to the VIGIE_API_KEY environment variable.
// Sends a bailleur's file (CSV with French headers, or NDJSON) to POST /v1/imports, shows the
// progress, then the report. Exit code: 0 every row accepted (or already imported),
// 1 some rows rejected, 2 the import could not run.
import { randomBytes } from 'node:crypto';
import { createReadStream, statSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';

const USAGE = [
  'Usage :',
  '  vigie import FICHIER --api URL [--key CLE] [--format csv|ndjson|xlsx] [--feuille NOM] [--apercu]',
  '      --apercu : même rapport, rien d’enregistré ; --feuille : la feuille du classeur XLSX à lire (sinon la première)',
  '  vigie modele [--format csv|xlsx] --api URL [--key CLE] [--sortie FICHIER]   (modèle de fichier d’import)',
  '  vigie keys create --role bailleur|epci|reservataire|etat|admin [--tenant ORGANISME] --label LIBELLE --api URL --key CLE_ADMIN',
  '  vigie keys list --api URL --key CLE_ADMIN',
  '  vigie keys revoke ID_CLE --api URL --key CLE_ADMIN',
  '  vigie keys generate',
  'La clé peut aussi venir de la variable VIGIE_API_KEY.',
].join('\n');

function fail(message) {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

/** A refusal as the API explains it (problem+json): its code, title, detail and each error's field and message. */
function refusal(prefix, response, answer) {
  const details = (answer.errors ?? []).map((e) => `\n  ${e.path ? `${e.path} : ` : ''}${e.message}`).join('');
  return `${prefix} (${response.status} ${answer.code ?? ''}) : ${answer.title ?? response.statusText}${answer.detail ? ` ${answer.detail}` : ''}${details}`;
}

function bar(done, total, width = 30) {
  const share = total ? done / total : 0;
  const full = Math.round(share * width);
  return `[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${String(Math.floor(share * 100)).padStart(3)} %`;
}

const number = (n) => (n ?? 0).toLocaleString('fr-FR');
/** `n` and its noun phrase, singular for 0 and 1 as French writes it (« 1 ligne acceptée », « 0 rejetée »). */
const counted = (n, singular, plural) => `${number(n)} ${(n ?? 0) <= 1 ? singular : plural}`;

async function main() {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        api: { type: 'string' },
        key: { type: 'string' },
        format: { type: 'string' },
        feuille: { type: 'string' },
        apercu: { type: 'boolean' },
        sortie: { type: 'string' },
        role: { type: 'string' },
        tenant: { type: 'string' },
        label: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    fail(`${error.message}\n${USAGE}`);
  }
  const { positionals, values } = parsed;
  values.key ??= process.env.VIGIE_API_KEY;
  if (values.help) fail(USAGE);
  if (positionals[0] === 'keys') return keys(positionals.slice(1), values);
  if (positionals[0] === 'modele') return template(values);
  if (positionals[0] !== 'import' || !positionals[1] || !values.api) fail(USAGE);
  const file = positionals[1];
  let size;
  try {
    size = statSync(file).size;
  } catch {
    fail(`Fichier introuvable : ${file}`);
  }
  const extension = file.toLowerCase().split('.').pop();
  const format = values.format ?? (extension === 'csv' || extension === 'xlsx' ? extension : 'ndjson');
  if (!CONTENT_TYPES[format]) fail(`Format inconnu : ${format} (csv, ndjson ou xlsx)`);
  const api = values.api.replace(/\/$/, '');
  const query = new URLSearchParams({
    ...(values.apercu ? { dryRun: 'true' } : {}),
    ...(values.feuille ? { feuille: values.feuille } : {}),
  }).toString();
  const headers = {
    'content-type': CONTENT_TYPES[format],
    'content-length': String(size),
    ...(values.key ? { authorization: `Bearer ${values.key}` } : {}),
  };

  process.stderr.write(`Envoi de ${file} (${number(Math.round(size / 1024))} Ko) à ${api}…\n`);
  let response;
  try {
    response = await fetch(`${api}/v1/imports${query ? `?${query}` : ''}`, {
      method: 'POST',
      headers,
      body: Readable.toWeb(createReadStream(file)),
      duplex: 'half',
    });
  } catch (error) {
    fail(`Service injoignable (${api}) : ${error.cause?.code ?? error.message}`);
  }
  const started = await response.json().catch(() => ({}));
  if (response.status === 413)
    fail(
      `Fichier trop volumineux pour une seule requête (${started.detail ?? started.title ?? ''}) : découpez-le en plusieurs fichiers, chacun avec la ligne d’en-tête, et importez-les l’un après l’autre (une ligne déjà importée ne l’est pas deux fois).`,
    );
  if (response.status !== 202) fail(refusal('Import refusé', response, started));

  const tty = process.stderr.isTTY;
  let report = started;
  let lastLine = 0;
  let failedPolls = 0;
  while (report.status === 'en_attente' || report.status === 'en_cours') {
    await new Promise((resolve) => setTimeout(resolve, 300));
    // A poll lost to the network (a connection the server closed meanwhile) or refused for a while is asked again; the import goes on regardless.
    try {
      const poll = await fetch(`${api}/v1/imports/${started.id}`, {
        headers: values.key ? { authorization: `Bearer ${values.key}` } : {},
      });
      // An unknown import is final; another refusal of a poll (a busy service answering 503) is asked again.
      if (poll.status === 404) fail(`Import ${started.id} introuvable.`);
      if (!poll.ok) throw new Error(`HTTP ${poll.status}`);
      report = await poll.json();
      failedPolls = 0;
    } catch (error) {
      failedPolls += 1;
      if (failedPolls >= 20)
        fail(
          `Service injoignable pendant l’import ${started.id} (${error.cause?.code ?? error.message}) : suivez-le avec ${api}/v1/imports/${started.id}`,
        );
      continue;
    }
    const line = `${bar(report.done, report.total)} ${number(report.done)} / ${number(report.total ?? 0)} lignes, ${number(report.rowsPerSecond)} lignes/s, reste ${report.etaSeconds ?? '?'} s`;
    if (tty) process.stderr.write(`\r${line}`);
    else if (Date.now() - lastLine > 2_000) {
      process.stderr.write(`${line}\n`);
      lastLine = Date.now();
    }
  }
  // The last state, even when the import ended before the first poll drew it.
  const last = `${bar(report.done ?? report.total, report.total)} ${number(report.done ?? 0)} / ${number(report.total ?? 0)} lignes`;
  process.stderr.write(tty ? `\r${last}\n` : `${last}\n`);
  const show = (rejection) =>
    process.stdout.write(
      `  ligne ${rejection.line}${rejection.reference ? ` (${rejection.reference})` : ''}${rejection.field ? `, ${rejection.field}` : ''}${rejection.value ? ` « ${rejection.value} »` : ''} : ${rejection.code} — ${rejection.message}\n`,
    );
  if (report.status === 'refuse') {
    process.stdout.write(`Fichier refusé, rien n’a été enregistré :\n`);
    report.rejections.forEach(show);
    process.exit(2);
  }
  if (report.status !== 'termine') fail(`Import ${report.id} en échec : ${report.error ?? report.status}`);

  process.stdout.write(
    `${report.dryRun ? 'Aperçu (rien n’a été enregistré)' : 'Import'} ${report.id} terminé : ${counted(report.accepted, 'ligne acceptée', 'lignes acceptées')}, ${counted(report.alreadyImported, 'déjà importée', 'déjà importées')}, ${counted(report.rejected, 'rejetée', 'rejetées')}.${report.encoding ? ` Encodage lu : ${report.encoding}.` : ''}\n`,
  );
  report.rejections.slice(0, 50).forEach(show);
  if (report.rejected > 50)
    process.stdout.write(`  … et ${number(report.rejected - 50)} autres : ${api}/v1/imports/${report.id}?format=csv\n`);
  process.exit(report.rejected > 0 ? 1 : 0);
}

const CONTENT_TYPES = {
  csv: 'text/csv',
  ndjson: 'application/x-ndjson',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** Downloads the import template (CSV, or XLSX with its explanation sheet) to a file. */
async function template(values) {
  const format = values.format ?? 'xlsx';
  if (format !== 'csv' && format !== 'xlsx') fail(`Format inconnu : ${format} (csv ou xlsx)`);
  if (!values.api) fail(USAGE);
  const out = values.sortie ?? `vigie-modele-import.${format}`;
  let response;
  try {
    response = await fetch(`${values.api.replace(/\/$/, '')}/v1/imports/modele?format=${format}`, {
      headers: values.key ? { authorization: `Bearer ${values.key}` } : {},
    });
  } catch (error) {
    fail(`Service injoignable (${values.api}) : ${error.cause?.code ?? error.message}`);
  }
  if (response.status !== 200) fail(`Modèle non obtenu (${response.status})`);
  writeFileSync(out, Buffer.from(await response.arrayBuffer()));
  process.stdout.write(`Modèle enregistré : ${out}\n`);
}

/** Key management through the admin API (an admin key is needed), or a fresh key offline. */
async function keys([command, keyId], values) {
  if (command === 'generate') {
    process.stdout.write(`vigie_${randomBytes(8).toString('hex')}_${randomBytes(32).toString('base64url')}\n`);
    return;
  }
  if (!values.api || !values.key || !['create', 'list', 'revoke'].includes(command)) fail(USAGE);
  if (command === 'revoke' && !keyId) fail(USAGE);
  if (command === 'create' && (!values.role || !values.label)) fail(USAGE);
  const api = values.api.replace(/\/$/, '');
  const request =
    command === 'create'
      ? { method: 'POST', path: '', body: { role: values.role, tenant: values.tenant ?? null, label: values.label } }
      : command === 'revoke'
        ? { method: 'DELETE', path: `/${encodeURIComponent(keyId)}` }
        : { method: 'GET', path: '' };
  let response;
  try {
    response = await fetch(`${api}/v1/admin/api-keys${request.path}`, {
      method: request.method,
      headers: { authorization: `Bearer ${values.key}`, ...(request.body ? { 'content-type': 'application/json' } : {}) },
      body: request.body ? JSON.stringify(request.body) : undefined,
    });
  } catch (error) {
    fail(`Service injoignable (${api}) : ${error.cause?.code ?? error.message}`);
  }
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    fail(refusal('Refusé', response, answer));
  }
  if (command === 'create') {
    process.stdout.write(`${answer.key}\n`);
    process.stderr.write(
      `Clé ${answer.id} créée (${answer.role}${answer.tenant ? ` ${answer.tenant}` : ''}, « ${answer.label} »). Elle ne sera plus affichée : transmettez-la à son détenteur.\n`,
    );
  } else if (command === 'revoke') {
    process.stdout.write(`Clé ${answer.id} révoquée le ${answer.revokedAt}.\n`);
  } else {
    // Who created and who revoked each key, as the README says: the trail of who could write.
    for (const key of answer) {
      const state = key.revokedAt ? `révoquée le ${key.revokedAt} par ${key.revokedBy ?? '?'}` : 'active';
      process.stdout.write(
        `${key.id}  ${key.role.padEnd(12)} ${(key.tenant ?? '-').padEnd(12)} ${state}  ${key.label}  (créée le ${key.createdAt} par ${key.createdBy})\n`,
      );
    }
  }
}

main().catch((error) => fail(`Erreur : ${error.message}`));
