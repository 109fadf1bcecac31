import { z } from 'zod';

const booleanFlag = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

/** Every setting Vigie reads, validated once at start-up. `.env.example` lists them. */
const schema = z
  .object({
    PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
    /** Seconds a request body may take to arrive (ten times more for bulk imports) before 408. */
    HTTP_BODY_TIMEOUT_S: z.coerce.number().int().min(1).max(3_600).default(30),
    /** Seconds a request may take once received before 503 REQUEST_DEADLINE_EXCEEDED (live streams excepted). */
    HTTP_REQUEST_TIMEOUT_S: z.coerce.number().int().min(1).max(3_600).default(30),
    HOST: z.string().min(1).default('127.0.0.1'),
    DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//)
      // A URL the pool could not parse would otherwise fail later, in an error that carries the URL.
      .refine((value) => URL.canParse(value))
      .optional(),
    DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(200).default(20),
    /** How long start-up waits for PostgreSQL to accept connections before giving up (s). */
    DATABASE_STARTUP_TIMEOUT_S: z.coerce.number().int().min(0).max(3_600).default(60),
    /** Seconds a DATABASE unavailability answer (503) tells clients to wait (Retry-After). */
    DATABASE_RETRY_AFTER_S: z.coerce.number().int().min(1).max(3_600).default(2),
    /** /health degrades when readers are held back (or lag) longer than this (s). */
    HEALTH_STALL_THRESHOLD_S: z.coerce.number().int().min(1).max(86_400).default(10),
    VIGIE_DATA_DIR: z.string().min(1).default('.vigie'),
    EMBEDDED_POSTGRES_PORT: z.coerce.number().int().min(1).max(65_535).default(5499),
    KAFKA_BROKERS: z
      .string()
      .regex(/^[^\s,]+:\d+(,[^\s,]+:\d+)*$/)
      .optional(),
    KAFKA_CLIENT_ID: z.string().min(1).default('vigie'),
    KAFKA_TOPIC_PREFIX: z.string().min(1).default('vigie'),
    KAFKA_RELAY_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(1_000),
    /** Bytes one partition may receive in one produce call; keep under the broker's message.max.bytes (about 1 MB by default). */
    KAFKA_RELAY_MAX_BATCH_BYTES: z.coerce.number().int().min(1_024).max(100_000_000).default(900_000),
    PROJECTOR_IN_PROCESS: booleanFlag.default(true),
    /** An import whose progress no process has saved for this long is shown `interrompu` (s). */
    IMPORT_STALE_AFTER_S: z.coerce.number().int().min(1).max(86_400).default(60),
    PROJECTOR_BATCH_SIZE: z.coerce.number().int().min(1).max(50_000).default(2_000),
    POLL_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(500),
    LOG_LEVEL: z.enum(['error', 'warn', 'log', 'debug', 'verbose']).default('log'),
    /** Key of the keyed hash that pseudonymises household numbers; required with DATABASE_URL. */
    VIGIE_PSEUDONYMISATION_KEY: z.string().min(32).optional(),
    /** An admin API key chosen by the operator (`vigie_<16 hex>_<43 base64url>`), recorded at start-up. */
    VIGIE_ADMIN_KEY: z
      .string()
      .regex(/^vigie_[a-f0-9]{16}_[A-Za-z0-9_-]{43}$/)
      .optional(),
    /** Counts from 1 to this − 1 are masked in views shared outside the data owner. */
    STATISTICAL_SECRECY_THRESHOLD: z.coerce.number().int().min(1).max(100).default(5),
    /** Key signing the session cookie; without it one is generated (under VIGIE_DATA_DIR for the embedded default). */
    VIGIE_SESSION_SECRET: z.string().min(32).optional(),
    /** A session unused this long ends (s). */
    VIGIE_SESSION_IDLE_S: z.coerce.number().int().min(1).max(604_800).default(1_800),
    /** A session ends this long after sign-in, used or not (s). */
    VIGIE_SESSION_MAX_S: z.coerce.number().int().min(1).max(2_592_000).default(43_200),
    /** Session cookie sent over HTTPS only: set true behind HTTPS (the default serves http://127.0.0.1). */
    VIGIE_SESSION_SECURE_COOKIE: booleanFlag.default(false),
    /** The address people reach Vigie at (links, OIDC redirect); default the listening address. */
    VIGIE_PUBLIC_URL: z
      .string()
      .regex(/^https?:\/\/[^\s/]+(\/[^\s]*)?$/)
      .optional(),
    /** OpenID Connect issuer (ProConnect: https://auth.agentconnect.gouv.fr/api/v2, or any provider); with the two below. */
    OIDC_ISSUER: z.string().url().optional(),
    OIDC_CLIENT_ID: z.string().min(1).optional(),
    OIDC_CLIENT_SECRET: z.string().min(1).optional(),
    /** Redirect URI registered with the provider; default VIGIE_PUBLIC_URL + /connexion/oidc/retour. */
    OIDC_REDIRECT_URI: z.string().url().optional(),
    /** Scopes asked of the provider (space separated). */
    OIDC_SCOPES: z.string().min(1).default('openid email profile'),
    /** Where the event log lives: PostgreSQL (the default, same database as the read models) or KurrentDB. */
    EVENT_STORE: z.enum(['postgres', 'kurrentdb']).default('postgres'),
    /** KurrentDB connection string (`kurrentdb://host:2113?tls=false`, `kurrentdb+discover://…`); required with EVENT_STORE=kurrentdb. */
    KURRENTDB_URL: z
      .string()
      .regex(/^(kurrentdb|kdb|esdb)(\+discover)?:\/\/\S+$/)
      .optional(),
    /** Vigie's streams in KurrentDB are `<prefix>-<stream id>`: several Vigie logs (or other data) can share a server. */
    KURRENTDB_STREAM_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9_.]+$/)
      .default('vigie'),
  })
  .superRefine((config, context) => {
    if (config.EVENT_STORE === 'kurrentdb' && !config.KURRENTDB_URL) {
      context.addIssue({ code: 'custom', path: ['KURRENTDB_URL'], message: 'required with EVENT_STORE=kurrentdb' });
    }
  });

export type VigieConfig = z.infer<typeof schema>;

/**
 * The rule of each variable, as a configuration error states it. An error names the variable and
 * this rule, never the value: values include secrets (VIGIE_PSEUDONYMISATION_KEY, VIGIE_ADMIN_KEY,
 * the password in DATABASE_URL) and would end up in terminals and log collectors.
 */
const RULES: Readonly<Record<keyof VigieConfig, string>> = {
  PORT: 'must be an integer from 0 to 65535',
  HTTP_BODY_TIMEOUT_S: 'must be an integer number of seconds from 1 to 3600',
  HTTP_REQUEST_TIMEOUT_S: 'must be an integer number of seconds from 1 to 3600',
  DATABASE_STARTUP_TIMEOUT_S: 'must be an integer number of seconds from 0 to 3600',
  DATABASE_RETRY_AFTER_S: 'must be an integer number of seconds from 1 to 3600',
  HEALTH_STALL_THRESHOLD_S: 'must be an integer number of seconds from 1 to 86400',
  KAFKA_RELAY_MAX_BATCH_BYTES: 'must be an integer number of bytes from 1024 to 100000000',
  IMPORT_STALE_AFTER_S: 'must be an integer number of seconds from 1 to 86400',
  HOST: 'must be a host name or address',
  DATABASE_URL: 'must be a postgres:// (or postgresql://) URL',
  DATABASE_POOL_SIZE: 'must be an integer from 2 to 200',
  VIGIE_DATA_DIR: 'must be a directory path',
  EMBEDDED_POSTGRES_PORT: 'must be an integer from 1 to 65535',
  KAFKA_BROKERS: 'must be host:port[,host:port…]',
  KAFKA_CLIENT_ID: 'must be a non-empty text',
  KAFKA_TOPIC_PREFIX: 'must be a non-empty text',
  KAFKA_RELAY_BATCH_SIZE: 'must be an integer from 1 to 10000',
  PROJECTOR_IN_PROCESS: 'must be true, false, 1 or 0',
  PROJECTOR_BATCH_SIZE: 'must be an integer from 1 to 50000',
  POLL_INTERVAL_MS: 'must be an integer from 10 to 60000',
  LOG_LEVEL: 'must be one of error, warn, log, debug, verbose',
  VIGIE_PSEUDONYMISATION_KEY: 'must be at least 32 characters',
  VIGIE_ADMIN_KEY: 'must be a key made by `vigie keys generate`',
  STATISTICAL_SECRECY_THRESHOLD: 'must be an integer from 1 to 100',
  VIGIE_SESSION_SECRET: 'must be at least 32 characters',
  VIGIE_SESSION_IDLE_S: 'must be an integer number of seconds from 1 to 604800',
  VIGIE_SESSION_MAX_S: 'must be an integer number of seconds from 1 to 2592000',
  VIGIE_SESSION_SECURE_COOKIE: 'must be true, false, 1 or 0',
  VIGIE_PUBLIC_URL: 'must be an http(s):// URL',
  OIDC_ISSUER: 'must be the issuer URL of an OpenID Connect provider',
  OIDC_CLIENT_ID: 'must be a non-empty text',
  OIDC_CLIENT_SECRET: 'must be a non-empty text',
  OIDC_REDIRECT_URI: 'must be a URL',
  OIDC_SCOPES: 'must be a non-empty, space-separated list',
  EVENT_STORE: 'must be postgres or kurrentdb',
  KURRENTDB_URL:
    'must be a kurrentdb:// (or kurrentdb+discover://) connection string, and is required with EVENT_STORE=kurrentdb',
  KURRENTDB_STREAM_PREFIX: 'must be letters, digits, "_" or "." only',
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates the environment; throws a ConfigError naming each bad variable and its rule (never its value). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): VigieConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const variables = [...new Set(parsed.error.issues.map((issue) => String(issue.path[0])))];
    throw new ConfigError(
      variables.map((variable) => `${variable}: ${RULES[variable as keyof VigieConfig] ?? 'invalid value'} (value not shown)`),
    );
  }
  const oidc = (['OIDC_ISSUER', 'OIDC_CLIENT_ID', 'OIDC_CLIENT_SECRET'] as const).filter(
    (name) => parsed.data[name] === undefined,
  );
  if (oidc.length === 1 || oidc.length === 2) {
    throw new ConfigError(
      oidc.map((name) => `${name}: required with the other OIDC_* settings (issuer, client id and secret go together)`),
    );
  }
  return parsed.data;
}

export const CONFIG = Symbol('VigieConfig');

/** For a process's entry point: the configuration, or a message naming each bad variable and exit code 2. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): VigieConfig {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
}

/** The event log the configuration names (EVENT_STORE, KURRENTDB_*), as `openEventLog` in libs/event-store takes it. */
export function eventLogChoice(config: VigieConfig): {
  readonly kind: 'postgres' | 'kurrentdb';
  readonly kurrentdbUrl?: string;
  readonly streamPrefix: string;
  readonly pollIntervalMs: number;
} {
  return {
    kind: config.EVENT_STORE,
    kurrentdbUrl: config.KURRENTDB_URL,
    streamPrefix: config.KURRENTDB_STREAM_PREFIX,
    pollIntervalMs: config.POLL_INTERVAL_MS,
  };
}
