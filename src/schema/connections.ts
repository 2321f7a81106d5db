// One Relay connection type per node type (ArtifactConnection, RunConnection, ...), shared by every field that lists
// that node, so clients write one fragment and one cache policy per type.
import type { OutputType } from '@pothos/core';
import type { TroveSchemaTypes } from './builder';
import { builder } from './builder';

/** What a connection resolver leaves for `totalCount`: a number, a promise, or (root connections) a function. */
type CountSource = number | Promise<number> | (() => number | Promise<number>) | null | undefined;

export function nodeConnection<Type extends OutputType<TroveSchemaTypes>>(nodeName: string, type: Type) {
  return builder.connectionObject({
    type,
    name: `${nodeName}Connection`,
    fields: (t) => ({
      totalCount: t.int({
        description: 'All matching records, not only this page.',
        // Lets the Prisma plugin skip loading nodes when only the count is asked for.
        extensions: { pothosPrismaTotalCount: true },
        resolve: async (connection) => {
          const count = (connection as { totalCount?: CountSource }).totalCount;
          return (typeof count === 'function' ? await count() : await count) ?? 0;
        },
      }),
    }),
  });
}

/**
 * The selection of a node reached through a link row, with at least its id: a page that asks only for `totalCount`
 * or cursors must still be a valid Prisma select. Typed as the whole record, which it is whenever a node field is
 * selected (and nodes are not resolved otherwise).
 */
export function nodeWithId(nodeSelection: <T extends true | object>(selection?: T) => T): true {
  return nodeSelection({ select: { id: true } }) as unknown as true;
}
