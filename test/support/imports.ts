import { adminFetch } from './app.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** POSTs a file to /v1/imports as the admin; expects 202 and returns the import's id. */
export async function startImport(url: string, body: string, contentType = 'application/x-ndjson'): Promise<string> {
  const response = await adminFetch(`${url}/v1/imports`, { method: 'POST', headers: { 'content-type': contentType }, body });
  if (response.status !== 202) throw new Error(`Import not started: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
}

/** GET /v1/imports/{id} as the admin: the import's progress, then its report. */
export async function importReport(url: string, id: string): Promise<Json> {
  return (await adminFetch(`${url}/v1/imports/${id}`)).json();
}

/** An import no longer waiting or running: termine, echoue or interrompu. */
export const importSettled = (report: Json): boolean => report.status !== 'en_attente' && report.status !== 'en_cours';
