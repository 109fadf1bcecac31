import Fastify from 'fastify';
import { loadShedding } from './load-shedding.js';

describe('loadShedding', () => {
  it('answers 503 SERVER_BUSY with Retry-After while the connections are saturated, and serves again once they are not', async () => {
    // Saturated while two slow requests are held (as a pool's queue would be).
    const held: Array<() => void> = [];
    const app = Fastify();
    app.addHook(
      'onRequest',
      loadShedding(() => held.length >= 2, 3),
    );
    app.get('/slow', (_request, reply) => void held.push(() => void reply.send({ ok: true })));
    app.get('/health', (_request, reply) => void reply.send({ ok: true }));
    app.get('/v1/stream', (_request, reply) => void reply.send({ ok: true }));
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const first = [fetch(`${base}/slow`), fetch(`${base}/slow`)];
      while (held.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));

      const refused = await fetch(`${base}/slow`);
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('3');
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(await refused.json()).toMatchObject({ status: 503, code: 'SERVER_BUSY' });
      // A probe and the live stream are never refused.
      expect((await fetch(`${base}/health`)).status).toBe(200);
      expect((await fetch(`${base}/v1/stream`)).status).toBe(200);

      held.splice(0).forEach((answer) => answer());
      expect((await Promise.all(first)).map((response) => response.status)).toEqual([200, 200]);
      const again = fetch(`${base}/slow`);
      while (held.length < 1) await new Promise((resolve) => setTimeout(resolve, 5));
      held.splice(0).forEach((answer) => answer());
      expect((await again).status).toBe(200);
    } finally {
      held.forEach((answer) => answer());
      app.server.closeAllConnections();
      await app.close();
    }
  });
});
