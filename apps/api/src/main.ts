import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { loadConfigOrExit } from '@vigie/config';
import { bootstrap } from './bootstrap.js';
import { StartupError } from './platform/startup-error.js';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const running = await bootstrap(config);
  const logger = new Logger('Vigie');
  logger.log(`API        ${running.url}/v1`);
  logger.log(`OpenAPI    ${running.url}/docs`);
  logger.log(`Health     ${running.url}/health`);
  logger.log(`Database   ${running.runtime.database.description}`);
  logger.log(`Web        ${running.url}/`);
  if (running.firstAdminLink) {
    // Printed on the terminal only (not through the JSON logs): it opens an administrator's session once.
    console.log(`\nPremière connexion administrateur (lien à usage unique, valable 24 h) :\n  ${running.firstAdminLink}\n`);
  }
  const shutdown = async (signal: string) => {
    logger.log(`${signal}: shutting down`);
    await running.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error) => {
  // What the operator can fix is one French line; anything else, with its stack.
  console.error(error instanceof StartupError ? error.message : error);
  process.exit(1);
});
