// GraphQL shapes of the domain's expected errors: every one implements `Error { code message }`.
import { InvalidInputError, NotFoundError, TroveError } from '../domain/errors';
import { builder } from './builder';

export const ErrorInterface = builder.interfaceRef<TroveError>('Error').implement({
  description: 'An expected failure: `code` is stable for programs, `message` tells a person what to do.',
  fields: (t) => ({
    code: t.exposeString('code'),
    message: t.exposeString('message'),
  }),
});

builder.objectType(TroveError, {
  name: 'OperationError',
  description: 'A failure without a more specific type.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof TroveError && !(value instanceof InvalidInputError) && !(value instanceof NotFoundError),
});

builder.objectType(InvalidInputError, {
  name: 'InvalidInput',
  description: 'The input was refused before anything was stored.',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof InvalidInputError,
  fields: (t) => ({
    field: t.exposeString('field', { nullable: true, description: 'Path of the offending input field.' }),
  }),
});

builder.objectType(NotFoundError, {
  name: 'NotFound',
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof NotFoundError,
  fields: (t) => ({
    entity: t.exposeString('entity'),
    identifier: t.exposeString('identifier'),
  }),
});
