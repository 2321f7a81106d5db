import { ulabelWhere } from '../domain/filters';
import { builder } from './builder';
import { BranchEnum } from './common';

const ULabelFilterInput = builder.inputType('ULabelFilter', {
  fields: (t) => ({
    nameContains: t.string({ required: false, description: 'Case-insensitive substring of the name.' }),
    isType: t.boolean({ required: false }),
    typeUid: t.string({ required: false, description: 'Labels whose type has this uid.' }),
    branch: t.field({ type: BranchEnum, required: false, description: 'Default MAIN.' }),
    createdAfter: t.field({ type: 'DateTime', required: false }),
    createdBefore: t.field({ type: 'DateTime', required: false }),
  }),
});

export const ULabelType = builder.prismaNode('ULabel', {
  id: { field: 'uid' },
  description: 'A universal label. A label with `isType` groups child labels.',
  fields: (t) => ({
    uid: t.exposeString('uid'),
    name: t.exposeString('name'),
    description: t.exposeString('description', { nullable: true }),
    reference: t.exposeString('reference', { nullable: true }),
    referenceType: t.exposeString('referenceType', { nullable: true }),
    isType: t.exposeBoolean('isType'),
    branch: t.expose('branch', { type: BranchEnum }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    type: t.relation('type', { nullable: true }),
    children: t.relation('children', { query: { where: { branch: 'MAIN' }, orderBy: { name: 'asc' } } }),
    createdBy: t.relation('createdBy'),
    run: t.relation('run', { nullable: true }),
    artifacts: t.prismaConnection({
      type: 'Artifact',
      cursor: 'uid',
      description: 'Artifacts with this label (MAIN branch).',
      totalCount: (label, _args, context) =>
        context.db.artifact.count({ where: { branch: 'MAIN', labels: { some: { ulabelId: label.id } } } }),
      resolve: (query, label, _args, context) =>
        context.db.artifact.findMany({
          ...query,
          where: { branch: 'MAIN', labels: { some: { ulabelId: label.id } } },
          orderBy: { createdAt: 'desc' },
        }),
    }),
  }),
});

builder.queryFields((t) => ({
  ulabel: t.prismaField({
    type: 'ULabel',
    nullable: true,
    args: { uid: t.arg.string({ required: true }) },
    resolve: (query, _root, args, context) => context.db.uLabel.findUnique({ ...query, where: { uid: args.uid } }),
  }),
  ulabels: t.prismaConnection({
    type: 'ULabel',
    cursor: 'uid',
    args: { filter: t.arg({ type: ULabelFilterInput, required: false }) },
    totalCount: (_connection, args, context) => context.db.uLabel.count({ where: ulabelWhere(args.filter ?? {}) }),
    resolve: (query, _root, args, context) =>
      context.db.uLabel.findMany({ ...query, where: ulabelWhere(args.filter ?? {}), orderBy: [{ name: 'asc' }, { uid: 'asc' }] }),
  }),
}));
