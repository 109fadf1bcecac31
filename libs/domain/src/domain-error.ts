/**
 * A broken business rule. Carries a stable machine code and the facts needed to explain it;
 * never an HTTP status nor prose: the API translates codes into French messages.
 */
export class DomainError<Code extends string = string> extends Error {
  constructor(
    readonly code: Code,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(code);
    this.name = 'DomainError';
  }
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}
