import { type ArgumentsHost, Logger, NotFoundException } from '@nestjs/common';
import { DomainError } from '@vigie/domain';
import { ConditionFactsBehindError, EventIdConflictError, WrongExpectedVersionError } from '@vigie/event-store';
import { ProblemFilter } from './problem.filter.js';
import { invalidField, problemOf } from './problem.js';

/** Runs the filter on an exception and returns what the response was given (`headers` only when some were set). */
function answer(exception: unknown): {
  status: number;
  type: string;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
} {
  const sent = { status: 0, type: '', body: {} as Record<string, unknown>, headers: {} as Record<string, string> };
  const response = {
    sent: false,
    raw: { headersSent: false },
    header(name: string, value: string) {
      sent.headers[name] = value;
      return response;
    },
    headers(values: Record<string, string>) {
      Object.assign(sent.headers, values);
      return response;
    },
    code(code: number) {
      sent.status = code;
      return response;
    },
    type(type: string) {
      sent.type = type;
      return response;
    },
    send(text: string) {
      sent.body = JSON.parse(text) as Record<string, unknown>;
      return response;
    },
  };
  const host = { switchToHttp: () => ({ getResponse: () => response }) } as unknown as ArgumentsHost;
  new ProblemFilter({ DATABASE_RETRY_AFTER_S: 5 } as never).catch(exception, host);
  const { headers, ...rest } = sent;
  return Object.keys(headers).length ? sent : rest;
}

describe('ProblemFilter: every error becomes problem+json with a stable code and a French title', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('gives a broken rule its status and title from the one table, with the facts that explain it', () => {
    expect(answer(new DomainError('LEASE_ALREADY_SIGNED', { existingLeaseId: 'L-1' }))).toEqual({
      status: 409,
      type: 'application/problem+json; charset=utf-8',
      body: {
        type: 'https://vigie.fr/problems/lease-already-signed',
        status: 409,
        code: 'LEASE_ALREADY_SIGNED',
        title: 'Un bail est déjà enregistré pour ce dossier.',
        details: { existingLeaseId: 'L-1' },
      },
    });
  });

  it('says nothing more than "not found" on a 404: the same answer as for another organisation’s resource', () => {
    expect(answer(new DomainError('LEASE_NOT_FOUND', { leaseId: 'L-1' })).body).toEqual(
      answer(problemOf('LEASE_NOT_FOUND')).body,
    );
    expect(answer(new DomainError('LEASE_NOT_FOUND', { leaseId: 'L-1' })).body.details).toBeUndefined();
  });

  it('answers a code the table does not know as an internal error, never as a guess', () => {
    expect(answer(new DomainError('SOMETHING_NEW', {})).body).toMatchObject({ status: 500, code: 'INTERNAL_ERROR' });
  });

  it('maps storage errors: a concurrent write and an event id reused for another fact are 409', () => {
    expect(answer(new WrongExpectedVersionError('s', 1, 2)).body).toMatchObject({
      status: 409,
      code: 'CONCURRENT_MODIFICATION',
      expectedVersion: 1,
      actualVersion: 2,
    });
    expect(answer(new EventIdConflictError('e')).body).toMatchObject({ status: 409, code: 'EVENT_ID_CONFLICT', eventId: 'e' });
  });

  it('answers 503 when the facts an append condition reads lag behind a KurrentDB log: nothing written, send again', () => {
    expect(answer(new ConditionFactsBehindError(120, 80))).toMatchObject({
      status: 503,
      body: { status: 503, code: 'EVENT_LOG_COPY_BEHIND' },
      headers: { 'retry-after': '5' },
    });
  });

  it('keeps a field problem’s list, and maps framework errors to their codes (body errors are problems already: http/body.ts)', () => {
    expect(answer(invalidField('eventId', 'REQUIRED', 'Identifiant obligatoire.')).body).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      errors: [{ path: 'eventId', code: 'REQUIRED', message: 'Identifiant obligatoire.' }],
    });
    expect(answer(new NotFoundException()).body).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it('answers anything else as a 500 whose body says nothing of the cause', () => {
    const body = answer(new Error('connection string postgres://user:secret@db')).body;
    expect(body).toMatchObject({ status: 500, code: 'INTERNAL_ERROR' });
    expect(JSON.stringify(body)).not.toContain('secret');
  });
});
