// Enums and inputs shared by several types.
import { builder } from './builder';

export const BranchEnum = builder.enumType('Branch', {
  description: 'MAIN records are listed by default; ARCHIVE and TRASH only when asked for (as in LaminDB).',
  values: ['MAIN', 'ARCHIVE', 'TRASH'] as const,
});

export const OrderDirectionEnum = builder.enumType('OrderDirection', {
  values: ['ASC', 'DESC'] as const,
});

export type OrderDirection = 'ASC' | 'DESC';

export function prismaDirection(direction: OrderDirection | null | undefined): 'asc' | 'desc' {
  return direction === 'ASC' ? 'asc' : 'desc';
}

/** The input of deleteTransform, deleteRun and deleteCollection. */
export const DeleteRecordInput = builder.inputType('DeleteRecordInput', {
  fields: (t) => ({
    uid: t.string({ required: true }),
    permanent: t.boolean({ required: false, defaultValue: false, description: 'Delete the record for good instead of moving it to the trash.' }),
  }),
});

/** The input of restoreTransform, restoreRun and restoreCollection. */
export const RestoreRecordInput = builder.inputType('RestoreRecordInput', { fields: (t) => ({ uid: t.string({ required: true }) }) });
