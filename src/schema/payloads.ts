// Mutation payloads that carry one record. The mutation answers the record's id; the payload field loads it with
// the selection the client asked for (one query, no N+1), whatever the mutation did before.
import type { ObjectRef } from '@pothos/core';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { builder, type TroveSchemaTypes } from './builder';

type PayloadOf<Field extends string> = { [name in Field]: { id: number } };

/** `{ artifact }` payloads: AddLabelsPayload, ReadArtifactPayload, ... */
export function recordPayload<Shape extends PayloadOf<'artifact'>>(name: string, field: 'artifact', description?: string): ObjectRef<TroveSchemaTypes, Shape>;
/** `{ run }` payloads: StartRunPayload, ... */
export function recordPayload<Shape extends PayloadOf<'run'>>(name: string, field: 'run', description?: string): ObjectRef<TroveSchemaTypes, Shape>;
/** `{ upload }` payloads: CreateUploadPayload, ... */
export function recordPayload<Shape extends PayloadOf<'upload'>>(name: string, field: 'upload', description?: string): ObjectRef<TroveSchemaTypes, Shape>;
export function recordPayload(name: string, field: 'artifact' | 'run' | 'upload', description?: string) {
  const ref = builder.objectRef<Record<string, { id: number }>>(name);
  ref.implement({
    description,
    fields: (t) => ({
      [field]:
        field === 'artifact'
          ? t.prismaField({
              type: 'Artifact',
              resolve: (query, payload, _args, context) => {
                const record = payload[field]!;
                // A save answers the whole row it wrote: a selection of its columns alone needs no query (bulk saves).
                if ('storageKey' in record && 'updatedAt' in record && Object.keys(query).length === 0) return record as never;
                return context.db.artifact.findUniqueOrThrow({ ...query, where: { id: record.id } });
              },
            })
          : field === 'run'
            ? t.prismaField({
                type: 'Run',
                resolve: (query, payload, _args, context) => context.db.run.findUniqueOrThrow({ ...query, where: { id: payload[field]!.id } }),
              })
            : t.prismaField({
                type: 'UploadSession',
                resolve: (query, payload, _args, context) =>
                  context.db.uploadSession.findUniqueOrThrow({ ...query, where: { id: payload[field]!.id } }),
              }),
    }),
  });
  return ref;
}

/** What a delete answers: the record, and whether it went for good (else it is in the trash). */
export interface DeleteOutcomeOf<T> {
  record: T;
  permanent: boolean;
}

/**
 * `Delete…Payload` of a record with a trash: its uid, and its Relay id when it was deleted for good. The caller adds
 * the field that answers the trashed record (null when deleted for good).
 */
export function deletePayload<T extends { uid: string }>(name: string, nodeType: string) {
  return builder.objectRef<DeleteOutcomeOf<T>>(name).implement({
    fields: (t) => ({
      uid: t.string({ resolve: (payload) => payload.record.uid }),
      deletedId: t.id({
        nullable: true,
        description: 'The Relay id of the record deleted for good (null when trashed).',
        resolve: (payload) => (payload.permanent ? encodeGlobalID(nodeType, payload.record.uid) : null),
      }),
    }),
  });
}
