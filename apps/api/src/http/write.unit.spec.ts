import { correlationIdFrom } from './write.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('Correlation ids kept in event metadata', () => {
  it.each(['corr-1', 'batch_2026-11-30.run-42', 'A'.repeat(64), '3f9a2b1c-0000-4000-8000-123456789012'])('keeps %j', (header) => {
    expect(correlationIdFrom(header)).toBe(header);
  });

  it.each([
    undefined,
    '',
    '0591227000123',
    'trace-059122700012345678',
    'corr 1',
    'a'.repeat(65),
    '<script>',
    'corr-1, corr-2',
    'é-accent',
  ])('replaces %j by a fresh UUID', (header) => {
    const id = correlationIdFrom(header);
    expect(id).toMatch(UUID);
    expect(id).not.toBe(header);
  });
});
