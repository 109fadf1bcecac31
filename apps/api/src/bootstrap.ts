import { type INestApplication, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { type NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { type VigieConfig } from '@vigie/config';
import { AppModule, CONTROLLERS } from './app.module.js';
import { assertEveryRouteHasARule, documentAccessRules } from './access/route-rules.js';
import { accessLog } from './logging/access-log.js';
import { createLogger, PinoLoggerService } from '@vigie/config';
import type { DestinationStream } from 'pino';
import { IMPORT_CONTENT_TYPES, IMPORT_SIZE_LIMIT } from './imports/imports.controller.js';
import { type Runtime, startRuntime } from './runtime/runtime.js';

export interface RunningApp {
  readonly app: INestApplication;
  readonly runtime: Runtime;
  readonly url: string;
  close(): Promise<void>;
}

/** Starts the whole one-process Vigie: database, migrations, API, projector, relay. */
export async function bootstrap(
  config: VigieConfig,
  options: { logDestination?: DestinationStream; clock?: () => Date } = {},
): Promise<RunningApp> {
  const pinoLogger = createLogger(config.LOG_LEVEL, options.logDestination);
  const loggerService = new PinoLoggerService(pinoLogger);
  Logger.overrideLogger(loggerService);
  const logger = new Logger('Vigie');
  assertEveryRouteHasARule(CONTROLLERS);
  const runtime = await startRuntime(
    config,
    (message, level) => (level === 'warn' ? logger.warn(message) : logger.log(message)),
    options.clock,
  );
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRuntime(runtime), {
    logger: loggerService,
    bodyParser: false,
  });
  app.use(accessLog(pinoLogger.child({ context: 'HTTP' })));
  app.useBodyParser('json', { limit: '1mb' });
  // Bulk imports arrive as text: CSV or NDJSON files of up to a few hundred thousand rows.
  app.useBodyParser('text', { type: IMPORT_CONTENT_TYPES, limit: IMPORT_SIZE_LIMIT });
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
  documentAccessRules(document as never, CONTROLLERS);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  await app.listen(config.PORT, config.HOST);
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${address.port}`;
  let closed = false;
  return {
    app,
    runtime,
    url,
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
      await runtime.close();
    },
  };
}
