import { classifyRelayError } from './relay-errors.js';

/** Errors shaped as kafkajs and node-postgres throw them (name, type, nested cause). */
const protocol = (type: string, retriable = false) =>
  Object.assign(new Error(type), { name: 'KafkaJSProtocolError', type, retriable });
const retriesExceeded = (cause: Error) =>
  Object.assign(new Error(cause.message), { name: 'KafkaJSNumberOfRetriesExceeded', cause });

describe('Kafka relay errors, by what to do about them', () => {
  it.each([
    ['a batch too large', protocol('MESSAGE_TOO_LARGE'), 'too-large'],
    ['a record list too large, behind retries', retriesExceeded(protocol('RECORD_LIST_TOO_LARGE')), 'too-large'],
    ['a topic the producer may not write', protocol('TOPIC_AUTHORIZATION_FAILED'), 'permanent'],
    ['a refused SASL login', Object.assign(new Error('SASL'), { name: 'KafkaJSSASLAuthenticationError' }), 'permanent'],
    ['a leader change', protocol('NOT_LEADER_FOR_PARTITION', true), 'transient'],
    [
      'no broker listening',
      retriesExceeded(
        Object.assign(new Error('Connection error: connect ECONNREFUSED'), {
          name: 'KafkaJSConnectionError',
          code: 'ECONNREFUSED',
        }),
      ),
      'broker-unreachable',
    ],
    ['the database away', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }), 'database'],
  ])('%s → %s', (_label, error, kind) => {
    expect(classifyRelayError(error).kind).toBe(kind);
  });
});
