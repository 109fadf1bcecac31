import Fastify, { type FastifyInstance } from 'fastify';
import { acceptBodiesUnread } from './body.js';
import { sendJsonBytes } from './cached-answer.js';
import { errorEntry } from './error-table.js';
import { requestDeadline } from './request-deadline.js';

/** A Fastify app on a loopback port with the API's own request hooks in front of `routes`. */
async function serve(routes: (app: FastifyInstance) => void, answerMs = 150) {
  const app = Fastify();
  acceptBodiesUnread(app);
  app.addHook('onRequest', requestDeadline({ bodyMs: () => 5_000, answerMs, retryAfterS: 7 }));
  routes(app);
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    base,
    close: async () => {
      app.server.closeAllConnections();
      await app.close();
    },
  };
}

describe('The HTTP pipeline of every request', () => {
  it('sends cached JSON bytes with their ETag, 304 to a matching If-None-Match, headers only to HEAD', async () => {
    const body = Buffer.from(JSON.stringify({ figure: 0.42, libellé: 'Atteint' }));
    const etag = '"abc123"';
    const app = await serve((app) => {
      app.get('/figures', (request, reply) => sendJsonBytes(request, reply, body, etag));
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
      // Never answered (the handler keeps the reply): the deadline answers.
      app.get('/blocked', (_request, reply) => reply);
      app.post('/blocked', (request, reply) => {
        request.raw.resume();
        return reply;
      });
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
      app.get('/stream', (_request, reply) => {
        reply.hijack();
        reply.raw.writeHead(200, { 'content-type': 'text/event-stream' });
        reply.raw.flushHeaders();
        reply.raw.write('event: ready\n\n');
        setTimeout(() => reply.raw.end('event: last\n\n'), 400);
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
