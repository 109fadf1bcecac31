import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import session, { type Session, type SessionData } from 'express-session';
import connectPgSimple from 'connect-pg-simple';
import type { Pool } from 'pg';
import type { VigieConfig } from '@vigie/config';

/** What a person's session holds, server-side only (the cookie carries the signed session id). */
declare module 'express-session' {
  interface SessionData {
    /** The signed-in person (`person_<hex>`). */
    personId: string;
    /** When the person signed in (ms since epoch): the absolute expiry counts from here. */
    signedInAt: number;
    /** The synchronizer token state-changing requests must echo in `X-CSRF-Token`. */
    csrfToken: string;
    /** An OpenID Connect sign-in under way: what the provider's answer must match. */
    oidc: { state: string; nonce: string; codeVerifier: string };
  }
}

export const SESSION_COOKIE = 'vigie_session';

/** The AccessGuard's own test of an API key in the Authorization header. */
const BEARER = /^Bearer\s+\S+$/i;

/** A person's session, as express-session keeps it on Node's request. */
export type PersonSession = Session & Partial<SessionData>;

/** The session of a request (`undefined` for a call with an API key, which loads none). */
export function sessionOf(request: FastifyRequest): PersonSession | undefined {
  return (request.raw as IncomingMessage & { session?: PersonSession }).session;
}

export interface SessionMiddleware {
  /** The `onRequest` hook that loads (and, once answered, saves and rolls) the session. */
  readonly handler: (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void;
  close(): void;
}

/**
 * Server-side sessions in PostgreSQL (express-session with connect-pg-simple, table
 * `web_sessions`). The cookie is httpOnly, SameSite=Lax (a top-level return from the identity
 * provider must carry it) and Secure when VIGIE_SESSION_SECURE_COOKIE; it lives
 * VIGIE_SESSION_IDLE_S after the last request (rolling), and the access guard ends the session
 * VIGIE_SESSION_MAX_S after sign-in whatever its use. No session is created before sign-in.
 */
export function sessionMiddleware(pool: Pool, secret: string, config: VigieConfig): SessionMiddleware {
  const PgStore = connectPgSimple(session);
  const store = new PgStore({ pool, tableName: 'web_sessions', createTableIfMissing: false, pruneSessionInterval: 600 });
  const handler = session({
    name: SESSION_COOKIE,
    secret,
    store,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    unset: 'destroy',
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      secure: config.VIGIE_SESSION_SECURE_COOKIE,
      maxAge: config.VIGIE_SESSION_IDLE_S * 1_000,
      path: '/',
    },
  });
  // A call of the API with a key is authenticated by the key alone (the AccessGuard never reads
  // the session then): no session to load, create or roll for it, on the busiest reads. The
  // sign-in pages (outside /v1) always get their session.
  // express-session works on Node's own request and response (it wraps the response's end to save
  // the session), under Fastify as under any Node server.
  const run = handler as unknown as (request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void) => void;
  const forPeople: SessionMiddleware['handler'] = (request, reply, done) => {
    if (request.url.startsWith('/v1/') && BEARER.test(request.headers.authorization ?? '')) {
      done();
      return;
    }
    run(request.raw, reply.raw, (error) => done(error as Error | undefined));
  };
  return { handler: forPeople, close: () => store.close() };
}
