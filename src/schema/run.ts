import { runWhere } from '../domain/filters';
import { ArtifactType } from './artifact';
import { builder } from './builder';

export const RunStatusEnum = builder.enumType('RunStatus', {
  values: ['STARTED', 'COMPLETED', 'ERRORED', 'ABORTED'] as const,
});

const RunFilterInput = builder.inputType('RunFilter', {
  fields: (t) => ({
    transformUid: t.string({ required: false }),
    status: t.field({ type: RunStatusEnum, required: false }),
    paramsContain: t.field({ type: 'JSON', required: false, description: 'Runs whose params have these top-level values.' }),
    createdAfter: t.field({ type: 'DateTime', required: false }),
    createdBefore: t.field({ type: 'DateTime', required: false }),
  }),
});

export const RunType = builder.prismaNode('Run', {
  id: { field: 'uid' },
  description: 'One execution of a transform.',
  fields: (t) => ({
    uid: t.exposeString('uid'),
    startedAt: t.expose('startedAt', { type: 'DateTime' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
    status: t.expose('status', { type: RunStatusEnum }),
    params: t.expose('params', { type: 'JSON', nullable: true }),
    reference: t.exposeString('reference', { nullable: true }),
    referenceType: t.exposeString('referenceType', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    transform: t.relation('transform'),
    createdBy: t.relation('createdBy'),
    outputArtifacts: t.relatedConnection('outputArtifacts', {
      cursor: 'uid',
      totalCount: true,
      description: 'Artifacts this run created.',
      query: () => ({ orderBy: { createdAt: 'asc' } }),
    }),
    inputArtifacts: t.field({
      type: [ArtifactType],
      description: 'Artifacts this run read.',
      select: (_args, _context, nestedSelection) => ({
        inputArtifacts: { select: { artifact: nestedSelection(true) }, orderBy: { createdAt: 'asc' } },
      }),
      resolve: (run) => run.inputArtifacts.map(({ artifact }) => artifact),
    }),
    recreatedArtifacts: t.field({
      type: [ArtifactType],
      description: 'Existing artifacts whose content this run saved again.',
      select: (_args, _context, nestedSelection) => ({
        recreated: { select: { artifact: nestedSelection(true) }, orderBy: { createdAt: 'asc' } },
      }),
      resolve: (run) => run.recreated.map(({ artifact }) => artifact),
    }),
  }),
});

builder.queryFields((t) => ({
  run: t.prismaField({
    type: 'Run',
    nullable: true,
    args: { uid: t.arg.string({ required: true }) },
    resolve: (query, _root, args, context) => context.db.run.findUnique({ ...query, where: { uid: args.uid } }),
  }),
  runs: t.prismaConnection({
    type: 'Run',
    cursor: 'uid',
    args: { filter: t.arg({ type: RunFilterInput, required: false }) },
    totalCount: (_connection, args, context) => context.db.run.count({ where: runWhere(args.filter ?? {}) }),
    resolve: (query, _root, args, context) =>
      context.db.run.findMany({ ...query, where: runWhere(args.filter ?? {}), orderBy: [{ startedAt: 'desc' }, { uid: 'asc' }] }),
  }),
}));

// Lineage seen from the artifact side (defined here so Artifact and Run do not reference each other's types
// while they are being inferred).
builder.prismaObjectFields('Artifact', (t) => ({
    inputOfRuns: t.field({
      type: [RunType],
      description: 'Runs that read this artifact.',
      select: (_args, _context, nestedSelection) => ({
        inputOfRuns: { select: { run: nestedSelection(true) }, orderBy: { createdAt: 'asc' } },
      }),
      resolve: (artifact) => artifact.inputOfRuns.map(({ run }) => run),
    }),
    recreatingRuns: t.field({
      type: [RunType],
      description: 'Runs that saved this content again after it was created.',
      select: (_args, _context, nestedSelection) => ({
        recreatingRuns: { select: { run: nestedSelection(true) }, orderBy: { createdAt: 'asc' } },
      }),
      resolve: (artifact) => artifact.recreatingRuns.map(({ run }) => run),
    }),
}));
