// Expected failures of domain operations. Each has a stable `code` clients can switch on; the GraphQL layer
// returns them as typed results, never as masked errors.
export class TroveError extends Error {
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class InvalidInputError extends TroveError {
  constructor(
    message: string,
    /** Path of the offending input field, e.g. `inputs.2.key`. */
    readonly field?: string,
  ) {
    super('INVALID_INPUT', message);
  }
}

export class NotFoundError extends TroveError {
  constructor(
    readonly entity: string,
    readonly identifier: string,
  ) {
    super('NOT_FOUND', `no ${entity} with ${identifier}`);
  }
}
