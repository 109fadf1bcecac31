import type { VigieConfig } from './config.js';
import { pino, type Logger } from 'pino';

const LEVELS: Record<VigieConfig['LOG_LEVEL'], pino.Level> = {
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

/**
 * Structured JSON logs (one line per entry). What is logged is chosen where it is logged: a
 * route pattern, never a path with its ids; a code and a count, never a body. The redaction
 * list is a second line of defence for fields that must never be printed.
 */
export function createLogger(level: VigieConfig['LOG_LEVEL'], destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level: LEVELS[level],
      base: { service: 'vigie' },
      redact: {
        paths: [
          'authorization',
          '*.authorization',
          'headers',
          '*.headers',
          'body',
          '*.body',
          '*.numeroUnique',
          '*.household',
          '*.candidates',
        ],
        censor: '[masqué]',
      },
    },
    destination,
  );
}

/**
 * Nest's logger calls, written through pino: `(message, context)` and `(message, stack, context)`.
 * Shaped as Nest's `LoggerService` without importing Nest (libs stay framework-free); the shape is
 * checked where the API hands it to Nest (`Logger.overrideLogger`, `NestFactory.create`).
 */
export class PinoLoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('trace', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    const context = rest.length > 1 ? rest.at(-1) : rest[0];
    const stack = rest.length > 1 ? rest[0] : undefined;
    if (message instanceof Error) {
      this.logger.error({ context, err: message }, message.message);
      return;
    }
    this.logger.error({ context, ...(typeof stack === 'string' ? { stack } : {}) }, String(message));
  }

  private write(level: pino.Level, message: unknown, rest: unknown[]): void {
    const context = typeof rest.at(-1) === 'string' ? rest.at(-1) : undefined;
    if (typeof message === 'object' && message !== null) this.logger[level]({ context, ...message });
    else this.logger[level]({ context }, String(message));
  }
}
