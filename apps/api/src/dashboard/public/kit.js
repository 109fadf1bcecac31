// Helpers shared by Vigie's web scripts (app.js, simulation.js): the JSON API read with the
// person's session (same origin) and the session's CSRF token on every write, and elements built
// with textContent only (never parsed as HTML).

let csrfToken = null;

/** The session's anti-forgery token, once read from GET /v1/session. */
export const setCsrfToken = (token) => {
  csrfToken = token;
};

/**
 * Reads or writes the JSON API; a write carries the session's CSRF token (read once if not yet
 * known). A lost session leads back to the sign-in page; another refusal throws an Error whose
 * `problem` is the API's answer (title, code, errors).
 */
export async function api(path, init = {}) {
  const method = init.method ?? 'GET';
  const headers = { accept: 'application/json', ...(init.headers ?? {}) };
  if (method !== 'GET') {
    csrfToken ??= (await api('/v1/session')).csrfToken;
    headers['x-csrf-token'] = csrfToken;
  }
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
export function el(tag, attributes = {}, ...children) {
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

/** Replaces the children of `target` (absent: nothing). */
export const fill = (target, ...children) =>
  target?.replaceChildren(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
