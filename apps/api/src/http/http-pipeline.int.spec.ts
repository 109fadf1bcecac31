import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { sendJsonBytes } from './cached-answer.js';
import { errorEntry } from './error-table.js';
import { requestDeadline } from './request-deadline.js';
import { series } from './series.js';

/** An Express app on a loopback port with the API's own middlewares in front of `routes`. */
async function serve(routes: (app: express.Express) => void, answerMs = 150) {
  const app = express();
  const order: string[] = [];
  app.use(
    series(
      (_request: Request, _response: Response, next: NextFunction) => {
        order.push('first');
        next();
      },
      (_request: Request, _response: Response, next: NextFunction) => {
        order.push('second');
        setImmediate(next);
      },
      requestDeadline({ bodyMs: () => 5_000, answerMs, retryAfterS: 7 }),
    ),
  );
  routes(app);
  app.use((error: Error, _request: Request, response: Response, _next: NextFunction) => {
    response.status(500).json({ error: error.message });
  });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, order, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('The HTTP pipeline of every request', () => {
  it('runs the middlewares mounted as one layer in their order, and hands an error to Express', async () => {
    const app = await serve((app) => {
      app.get('/ok', (_request, response) => void response.send('ok'));
    });
    try {
      const ok = await fetch(`${app.base}/ok`);
      expect([ok.status, await ok.text()]).toEqual([200, 'ok']);
      expect(app.order).toEqual(['first', 'second']);
    } finally {
      await app.close();
    }
    const failing = express();
    failing.use(
      series(
        (_request, _response, next) => next(new Error('refused')),
        () => undefined,
      ),
    );
    failing.use(
      (error: Error, _request: Request, response: Response, _next: NextFunction) => void response.status(418).send(error.message),
    );
    const server = failing.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const answer = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      expect([answer.status, await answer.text()]).toEqual([418, 'refused']);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('sends cached JSON bytes with their ETag, 304 to a matching If-None-Match, headers only to HEAD', async () => {
    const body = Buffer.from(JSON.stringify({ figure: 0.42, libellé: 'Atteint' }));
    const etag = '"abc123"';
    const app = await serve((app) => {
      app.get('/figures', (request, response) => sendJsonBytes(request, response, body, etag));
    });
    try {
      const first = await fetch(`${app.base}/figures`);
      expect(first.status).toBe(200);
      expect(first.headers.get('etag')).toBe(etag);
      expect(first.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(Buffer.from(await first.arrayBuffer()).equals(body)).toBe(true);
      // (fetch adds Cache-Control: no-cache to a conditional request unless told otherwise: a revalidation.)
      const again = await fetch(`${app.base}/figures`, { headers: { 'if-none-match': etag, 'cache-control': 'max-age=0' } });
      expect(again.status).toBe(304);
      expect(await again.text()).toBe('');
      const reload = await fetch(`${app.base}/figures`, { headers: { 'if-none-match': etag, 'cache-control': 'no-cache' } });
      expect(reload.status).toBe(200);
      const other = await fetch(`${app.base}/figures`, { headers: { 'if-none-match': '"other"', 'cache-control': 'max-age=0' } });
      expect(other.status).toBe(200);
      expect(await other.json()).toEqual({ figure: 0.42, libellé: 'Atteint' });
      const head = await fetch(`${app.base}/figures`, { method: 'HEAD' });
      expect([head.status, head.headers.get('content-length'), await head.text()]).toEqual([200, String(body.length), '']);
    } finally {
      await app.close();
    }
  });

  it('answers 503 REQUEST_DEADLINE_EXCEEDED with Retry-After to a request left unanswered, counted once its body is whole', async () => {
    const app = await serve((app) => {
      app.get('/blocked', () => undefined);
      app.post('/blocked', (request) => void request.resume());
    });
    try {
      for (const init of [{}, { method: 'POST', body: 'x'.repeat(10_000) }]) {
        const answer = await fetch(`${app.base}/blocked`, init);
        expect(answer.status).toBe(503);
        expect(answer.headers.get('retry-after')).toBe('7');
        expect(answer.headers.get('content-type')).toMatch(/^application\/problem\+json/);
        expect(await answer.json()).toEqual({
          type: 'https://vigie.fr/problems/request-deadline-exceeded',
          status: 503,
          code: 'REQUEST_DEADLINE_EXCEEDED',
          title: errorEntry('REQUEST_DEADLINE_EXCEEDED')[1],
        });
      }
    } finally {
      await app.close();
    }
  });

  it('leaves an answer already under way (a server-sent event stream) past the deadline', async () => {
    const app = await serve((app) => {
      app.get('/stream', (_request, response) => {
        response.status(200).set('content-type', 'text/event-stream');
        response.flushHeaders();
        response.write('event: ready\n\n');
        setTimeout(() => response.end('event: last\n\n'), 400);
      });
    });
    try {
      const answer = await fetch(`${app.base}/stream`);
      expect(answer.status).toBe(200);
      expect(await answer.text()).toBe('event: ready\n\nevent: last\n\n');
    } finally {
      await app.close();
    }
  });
});
