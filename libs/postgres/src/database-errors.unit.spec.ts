import { isDatabaseUnavailable, isDataException } from './database-errors.js';

describe('Database error classes', () => {
  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    [
      'a server shutting down (57P01)',
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
    ],
    ['a server starting up (57P03)', Object.assign(new Error('the database system is starting up'), { code: '57P03' })],
    ['a connection exception (class 08)', Object.assign(new Error('connection failure'), { code: '08006' })],
    ['a connection that died mid-query', new Error('Connection terminated unexpectedly')],
    ['a pool that could not connect in time', new Error('timeout exceeded when trying to connect')],
    [
      'every address refused',
      Object.assign(new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]), { code: undefined }),
    ],
  ])('%s is unavailability (503)', (_label, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect(isDataException(error)).toBe(false);
  });

  it.each([
    ['a NUL in JSON (22P05)', '22P05'],
    ['a byte the encoding refuses (22021)', '22021'],
    ['a timestamp out of range (22008)', '22008'],
  ])('%s is a data exception (400)', (_label, code) => {
    const error = Object.assign(new Error('data'), { code });
    expect(isDataException(error)).toBe(true);
    expect(isDatabaseUnavailable(error)).toBe(false);
  });

  it.each([
    ['a unique violation', '23505'],
    ['a syntax error', '42601'],
    ['a bad password', '28P01'],
  ])('%s is neither', (_label, code) => {
    const error = Object.assign(new Error('other'), { code });
    expect(isDatabaseUnavailable(error)).toBe(false);
    expect(isDataException(error)).toBe(false);
  });
});
