import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, TEST_ADMIN_KEY, type TestApp } from '../support/app.js';

/**
 * The README's examples run as written: every `vcurl` call of its shell blocks, in order, on a
 * fresh Vigie with nothing registered, with the admin key the README exports. A call with a
 * placeholder (`…`), a file body (`-d @file`) or a never-ending stream (`-N`) is left out.
 */
interface Call {
  readonly line: number;
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

/** Shell words of a command (single quotes, double quotes, backslash-newline, `#` comments). */
function words(command: string): string[] {
  const out: string[] = [];
  let current: string | null = null;
  for (let i = 0; i < command.length; i += 1) {
    const c = command[i]!;
    if (c === "'") {
      const end = command.indexOf("'", i + 1);
      current = (current ?? '') + command.slice(i + 1, end);
      i = end;
    } else if (c === '"') {
      const end = command.indexOf('"', i + 1);
      current = (current ?? '') + command.slice(i + 1, end);
      i = end;
    } else if (c === '\\' && command[i + 1] === '\n') {
      i += 1;
    } else if (/\s/.test(c)) {
      if (current !== null) out.push(current);
      current = null;
    } else if (c === '#' && current === null) {
      const end = command.indexOf('\n', i);
      i = end < 0 ? command.length : end;
    } else {
      current = (current ?? '') + c;
    }
  }
  if (current !== null) out.push(current);
  return out;
}

function readmeCalls(): { calls: Call[]; skipped: number } {
  const readme = readFileSync(join(process.cwd(), 'README.md'), 'utf8');
  const calls: Call[] = [];
  let skipped = 0;
  const lines = readme.split('\n');
  let inShell = false;
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!;
    if (line.startsWith('```')) {
      inShell = !inShell && line.trim() === '```sh';
      continue;
    }
    if (!inShell || !line.startsWith('vcurl ')) continue;
    // A command goes on while a single quote is open or a line ends with a backslash.
    let command = line;
    while (((command.match(/'/g) ?? []).length % 2 === 1 || command.endsWith('\\')) && i + 1 < lines.length) {
      i += 1;
      command += `\n${lines[i]}`;
    }
    const argv = words(command).slice(1);
    if (
      argv.includes('…') ||
      argv.some((word) => word.includes('…')) ||
      argv.includes('-N') ||
      argv.some((w) => w.startsWith('@'))
    ) {
      skipped += 1;
      continue;
    }
    let method = 'GET';
    let path = '';
    let body: string | undefined;
    const headers: Record<string, string> = {};
    for (let k = 0; k < argv.length; k += 1) {
      const word = argv[k]!;
      if (word === '-X') method = argv[++k]!;
      else if (word === '-H') {
        const [name, ...value] = argv[++k]!.split(':');
        headers[name!.trim().toLowerCase()] = value.join(':').trim();
      } else if (word === '-d') body = argv[++k]!;
      else if (word.startsWith('localhost:3000')) path = word.slice('localhost:3000'.length);
    }
    calls.push({ line: i + 1, method, path, headers, ...(body === undefined ? {} : { body }) });
  }
  return { calls, skipped };
}

describe('The README’s examples', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await startTestApp({}, { organisations: false });
  });

  afterAll(async () => {
    await app.close();
  });

  it('run as written, in order, each answering 2xx', async () => {
    const { calls } = readmeCalls();
    expect(calls.length).toBeGreaterThanOrEqual(15);
    const answers: Array<{ line: number; call: string; status: number; code?: string }> = [];
    for (const call of calls) {
      const response = await fetch(`${app.url}${call.path}`, {
        method: call.method,
        headers: { ...call.headers, authorization: `Bearer ${TEST_ADMIN_KEY}` },
        ...(call.body === undefined ? {} : { body: call.body }),
      });
      const text = await response.text();
      const code = response.ok ? undefined : (JSON.parse(text) as { code?: string }).code;
      answers.push({ line: call.line, call: `${call.method} ${call.path}`, status: response.status, ...(code ? { code } : {}) });
    }
    expect(answers.filter((answer) => answer.status >= 300)).toEqual([]);
  });
});
