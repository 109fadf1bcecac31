import { isDatabaseUnavailable } from '@vigie/postgres';

/**
 * - `too-large`: the broker refused a batch as too large (split it; permanent for one event alone);
 * - `permanent`: the broker refuses for good (authorisation, invalid record, unsupported version…);
 * - `database`: the event log could not be read or the checkpoint written;
 * - `broker-unreachable`: no connection to the broker;
 * - `transient`: any other broker error (leader change, timeout…), retried.
 */
export type RelayErrorKind = 'too-large' | 'permanent' | 'database' | 'broker-unreachable' | 'transient';

const TOO_LARGE = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE']);
const PERMANENT = new Set([
  'INVALID_RECORD',
  'TOPIC_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  'INVALID_REQUIRED_ACKS',
  'UNSUPPORTED_VERSION',
  'UNSUPPORTED_FOR_MESSAGE_FORMAT',
  'INVALID_TOPIC_EXCEPTION',
  'POLICY_VIOLATION',
  'UNSUPPORTED_COMPRESSION_TYPE',
  'SASL_AUTHENTICATION_FAILED',
]);

interface Link {
  readonly name?: string;
  readonly type?: string;
  readonly message?: string;
  readonly cause?: unknown;
  readonly originalError?: unknown;
  readonly errors?: unknown;
}

/** The error and every error it wraps (kafkajs nests causes: retries exceeded → protocol error). */
function chain(error: unknown, seen = new Set<unknown>()): Link[] {
  if (!error || typeof error !== 'object' || seen.has(error)) return [];
  seen.add(error);
  const link = error as Link;
  const nested = [link.cause, link.originalError, ...(Array.isArray(link.errors) ? link.errors : [])];
  return [link, ...nested.flatMap((inner) => chain(inner, seen))];
}

export function classifyRelayError(error: unknown): { kind: RelayErrorKind; detail: string } {
  const links = chain(error);
  const typed = links.find((link) => typeof link.type === 'string' && link.type !== 'UNKNOWN');
  if (typed?.type && TOO_LARGE.has(typed.type)) return { kind: 'too-large', detail: typed.type };
  if (typed?.type && PERMANENT.has(typed.type)) return { kind: 'permanent', detail: typed.type };
  if (links.some((link) => link.name === 'KafkaJSSASLAuthenticationError')) {
    return { kind: 'permanent', detail: 'SASL_AUTHENTICATION_FAILED' };
  }
  if (
    links.some(
      (link) =>
        link.name === 'KafkaJSConnectionError' ||
        link.name === 'KafkaJSConnectionClosedError' ||
        link.name === 'KafkaJSBrokerNotFound' ||
        (link.name?.startsWith('KafkaJS') &&
          /ECONNREFUSED|ENOTFOUND|Connection error|Closed connection/i.test(link.message ?? '')),
    )
  ) {
    return { kind: 'broker-unreachable', detail: 'BROKER_UNREACHABLE' };
  }
  // kafkajs errors carry socket codes too (ECONNREFUSED): only the others can be the database's.
  if (links.some((link) => !link.name?.startsWith('KafkaJS') && isDatabaseUnavailable(link))) {
    return { kind: 'database', detail: 'DATABASE_UNAVAILABLE' };
  }
  return { kind: 'transient', detail: typed?.type ?? links[0]?.name ?? 'UNKNOWN' };
}
