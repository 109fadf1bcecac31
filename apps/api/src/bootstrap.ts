import { type INestApplication, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { type VigieConfig } from '@vigie/config';
import { AppModule, CONTROLLERS } from './app.module.js';
import { assertEveryBodyIsDeclared, assertEveryRouteHasARule, documentAccessRules } from './access/route-rules.js';
import { acceptBodiesUnread, closeConnectionUntilBodyRead, deferContinueUntilBodyRead, isMediaType } from './http/body.js';
import { accessLog } from './logging/access-log.js';
import { answerClientError, answerFrameworkError } from './http/framework-errors.js';
import { documentedQueryParams, refuseRepeatedQueryParams, refuseUnknownQueryParams } from './http/params.js';
import { removeOwnUploads, sweepStaleUploads } from './http/upload-files.js';
import { documentContracts } from './http/openapi.js';
import { requestDeadline } from './http/request-deadline.js';
import { loadShedding } from './http/load-shedding.js';
import { IMPORT_CONTENT_TYPES } from './imports/imports.controller.js';
import { createLogger, PinoLoggerService } from '@vigie/config';
import type { DestinationStream } from 'pino';
import { type Runtime, startRuntime } from './platform/runtime.js';
import { assertPortFree } from './platform/startup-error.js';
import { sessionMiddleware } from './access/sessions/session.middleware.js';
import { serveWebAssets } from './dashboard/web-assets.js';
import { parisTimesReplacer } from './http/paris-times.js';

/** Requests waiting for a database connection, per connection of the pool, past which a new one is refused (503 SERVER_BUSY). */
const HTTP_WAITING_PER_CONNECTION = 16;

/** How long the first administrator's sign-in link, printed at start-up, stays usable (24 h). */
const FIRST_ADMIN_LINK_MS = 24 * 3_600_000;

export interface RunningApp {
  readonly app: INestApplication;
  readonly runtime: Runtime;
  readonly url: string;
  /** The one-time sign-in link of the first administrator, while nobody has signed in as one. */
  readonly firstAdminLink: string | null;
  close(): Promise<void>;
}

/** Starts the whole one-process Vigie: database, migrations, API, projector, relay. */
/** How long closing waits for connections still answering before it ends them (ms). */
const CLOSE_GRACE_MS = 2_000;

export async function bootstrap(
  config: VigieConfig,
  options: { logDestination?: DestinationStream; clock?: () => Date } = {},
): Promise<RunningApp> {
  const pinoLogger = createLogger(config.LOG_LEVEL, options.logDestination);
  const loggerService = new PinoLoggerService(pinoLogger);
  Logger.overrideLogger(loggerService);
  const logger = new Logger('Vigie');
  assertEveryRouteHasARule(CONTROLLERS);
  assertEveryBodyIsDeclared(CONTROLLERS);
  // Before anything is written (migrations, the admin key): a taken port changes nothing.
  await assertPortFree(config.PORT, config.HOST);
  // Uploads left by a process killed mid-import hold household numbers in clear.
  const swept = sweepStaleUploads();
  if (swept.length > 0) logger.log(`Removed ${swept.length} upload(s) left in the temporary folder by stopped processes`);
  const runtime = await startRuntime(
    config,
    (message, level) => (level === 'warn' ? logger.warn(message) : logger.log(message)),
    options.clock,
  );
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRuntime(runtime),
    new FastifyAdapter({
      // Paths as Express took them: `/v1/leases/` is `/v1/leases`; an id of any length reaches its
      // route, which judges it (400), rather than the router (414).
      routerOptions: { ignoreTrailingSlash: true, maxParamLength: 2_048 },
      // What Fastify and Node's parser refuse before routing (an id over that length, a bad %
      // sequence, headers too large) is answered as every other error: problem+json, in French.
      frameworkErrors: answerFrameworkError,
      clientErrorHandler: answerClientError,
    }),
    { logger: loggerService, bodyParser: false },
  );
  const fastify = app.getHttpAdapter().getInstance();
  // No body parser here: hooks run before authentication. Each route declares its body
  // (@JsonBody, @TextBody) and the AccessGuard reads it once the key and the role are checked.
  acceptBodiesUnread(fastify);
  fastify.setReplySerializer((payload) => JSON.stringify(payload, parisTimesReplacer));
  deferContinueUntilBodyRead(app.getHttpServer());
  // People's sessions (cookie → row of web_sessions); the AccessGuard turns them into principals.
  const sessions = sessionMiddleware(runtime.pool, runtime.sessionSecret, config);
  // A body that has not arrived by its deadline is answered 408 (it is read after authentication, per
  // route); a request not answered HTTP_REQUEST_TIMEOUT_S after it is whole, 503.
  const httpLogger = new Logger('HTTP');
  let lastDeadlineLog = 0;
  const bodyDeadlineMs = config.HTTP_BODY_TIMEOUT_S * 1_000;
  // Every request's own hooks, in this order, before routing's guards and handlers.
  fastify.addHook('onRequest', closeConnectionUntilBodyRead);
  fastify.addHook('onRequest', accessLog(pinoLogger.child({ context: 'HTTP' })));
  // A query parameter given twice is refused (400, QUERY_PARAM_REPEATED) before any route reads it.
  fastify.addHook('onRequest', refuseRepeatedQueryParams);
  // A query parameter the route does not take is refused (400, QUERY_PARAM_UNKNOWN), never ignored.
  let queryParams: ReadonlyMap<string, ReadonlySet<string>> = new Map();
  fastify.addHook(
    'onRequest',
    refuseUnknownQueryParams(() => queryParams),
  );
  // More requests than the database connections can serve soon are refused at once (503 SERVER_BUSY).
  fastify.addHook(
    'onRequest',
    loadShedding(
      () => runtime.pool.waitingCount >= config.DATABASE_POOL_SIZE * HTTP_WAITING_PER_CONNECTION,
      config.DATABASE_RETRY_AFTER_S,
    ),
  );
  fastify.addHook('onRequest', sessions.handler);
  fastify.addHook(
    'onRequest',
    requestDeadline({
      bodyMs: (request) => (isMediaType(request, IMPORT_CONTENT_TYPES) ? bodyDeadlineMs * 10 : bodyDeadlineMs),
      answerMs: config.HTTP_REQUEST_TIMEOUT_S * 1_000,
      retryAfterS: config.DATABASE_RETRY_AFTER_S,
      onAnswerDeadline: () => {
        // An outage is one cause, not one line per request (as the ProblemFilter logs it).
        const now = Date.now();
        if (now - lastDeadlineLog > 5_000) {
          lastDeadlineLog = now;
          httpLogger.warn(`REQUEST_DEADLINE_EXCEEDED: no answer within ${config.HTTP_REQUEST_TIMEOUT_S} s`);
        }
      },
    }),
  );
  serveWebAssets(fastify);
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Vigie API')
      .setDescription('Suivi en continu des objectifs d’attribution des logements sociaux (CIA, gestion en flux).')
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'vigie_<id>_<secret>', description: 'Clé d’API' })
      .addSecurityRequirements('bearer')
      .build(),
  );
  documentContracts(document as never, CONTROLLERS);
  documentAccessRules(document as never, CONTROLLERS);
  queryParams = documentedQueryParams(document as never);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  await app.listen(config.PORT, config.HOST);
  // Node's own backstop (checked every 30 s): whole requests, headers included.
  const server = app.getHttpServer() as import('node:http').Server;
  server.requestTimeout = bodyDeadlineMs * 10 + 5_000;
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${address.port}`;
  const pendingAdmin = await runtime.people.pendingFirstAdmin();
  const firstAdminLink = pendingAdmin
    ? `${config.VIGIE_PUBLIC_URL ?? url}/connexion/lien/${await runtime.people.issueLink(pendingAdmin.id, FIRST_ADMIN_LINK_MS, 'start-up')}`
    : null;
  let closed = false;
  return {
    app,
    runtime,
    url,
    firstAdminLink,
    async close() {
      if (closed) return;
      closed = true;
      sessions.close();
      // Closing ends idle connections once: one still answering when it began would then stay
      // open, idle, for Fastify's keep-alive (72 s) and hold the close. Every connection still
      // open after a grace period is ended.
      const server = app.getHttpServer();
      const force = setTimeout(() => server.closeAllConnections(), CLOSE_GRACE_MS);
      try {
        await app.close();
      } finally {
        clearTimeout(force);
      }
      await runtime.close();
      // An import still reading its file is over with the process: its upload goes too.
      removeOwnUploads();
    },
  };
}
