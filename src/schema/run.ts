import { z } from 'zod';
import { InvalidInputError, NotFoundError } from '../domain/errors';
import { runWhere } from '../domain/filters';
import { finishRun, type LineageGraph, markInputs, startRun, upstreamLineage } from '../domain/transforms';
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
    authScopes: { read: true },
    type: 'Run',
    nullable: true,
    args: { uid: t.arg.string({ required: true }) },
    resolve: (query, _root, args, context) => context.db.run.findUnique({ ...query, where: { uid: args.uid } }),
  }),
  runs: t.prismaConnection({
    authScopes: { read: true },
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

const FinishedRunStatus = builder.enumType('FinishedRunStatus', { values: ['COMPLETED', 'ERRORED', 'ABORTED'] as const });

builder.mutationFields((t) => ({
  startRun: t.prismaField({
    authScopes: { write: true },
    type: 'Run',
    description: 'Starts a run of a transform (status STARTED).',
    args: {
      transformUid: t.arg.string({ required: true }),
      params: t.arg({ type: 'JSON', required: false }),
      reference: t.arg.string({ required: false }),
      referenceType: t.arg.string({ required: false }),
    },
    errors: { types: [NotFoundError, InvalidInputError], union: { name: 'StartRunResult' } },
    resolve: async (query, _root, args, context) => {
      const run = await startRun(context.db, args, context.user.id);
      return context.db.run.findUniqueOrThrow({ ...query, where: { id: run.id } });
    },
  }),
  finishRun: t.prismaField({
    authScopes: { write: true },
    type: 'Run',
    description: 'Finishes a run and sets finishedAt.',
    args: { uid: t.arg.string({ required: true }), status: t.arg({ type: FinishedRunStatus, required: true }) },
    errors: { types: [NotFoundError, InvalidInputError], union: { name: 'FinishRunResult' } },
    resolve: async (query, _root, args, context) => {
      const run = await finishRun(context.db, args.uid, args.status);
      return context.db.run.findUniqueOrThrow({ ...query, where: { id: run.id } });
    },
  }),
  markInputs: t.prismaField({
    authScopes: { write: true },
    type: 'Run',
    description: 'Records that the run read these artifacts (skipping ones the run created or re-created).',
    args: { runUid: t.arg.string({ required: true }), artifactUids: t.arg.stringList({ required: true }) },
    errors: { types: [NotFoundError], union: { name: 'MarkInputsResult' } },
    resolve: async (query, _root, args, context) => {
      await markInputs(context.db, args.runUid, args.artifactUids);
      return context.db.run.findUniqueOrThrow({ ...query, where: { uid: args.runUid } });
    },
  }),
}));

const LineageEdge = builder.objectRef<LineageGraph['edges'][number]>('LineageEdge').implement({
  description: 'source -> target, with Relay-style ids "Type:uid" (Artifact -INPUT-> Run, Run -OUTPUT-> Artifact, Transform -TRANSFORM-> Run).',
  fields: (t) => ({
    source: t.exposeString('source'),
    target: t.exposeString('target'),
    kind: t.exposeString('kind'),
  }),
});

const Lineage = builder.objectRef<LineageGraph>('Lineage').implement({
  fields: (t) => ({
    artifacts: t.prismaField({
      type: ['Artifact'],
      resolve: (query, graph, _args, context) => context.db.artifact.findMany({ ...query, where: { id: { in: graph.artifactIds } }, orderBy: { id: 'asc' } }),
    }),
    runs: t.prismaField({
      type: ['Run'],
      resolve: (query, graph, _args, context) => context.db.run.findMany({ ...query, where: { id: { in: graph.runIds } }, orderBy: { id: 'asc' } }),
    }),
    transforms: t.prismaField({
      type: ['Transform'],
      resolve: (query, graph, _args, context) => context.db.transform.findMany({ ...query, where: { id: { in: graph.transformIds } }, orderBy: { id: 'asc' } }),
    }),
    edges: t.field({ type: [LineageEdge], resolve: (graph) => graph.edges }),
  }),
});

builder.prismaObjectFields('Artifact', (t) => ({
  lineage: t.field({
    type: Lineage,
    description: 'The upstream graph: the run that made this artifact, its transform, its inputs and their runs, `depth` runs back.',
    args: { depth: t.arg.int({ required: false, defaultValue: 3, description: '1 to 10.' }) },
    select: { id: true },
    validate: z.object({ depth: z.number().int().min(1, 'depth is 1 to 10').max(10, 'depth is 1 to 10').nullish() }),
    resolve: (artifact, { depth }, context) => upstreamLineage(context.db, artifact.id, depth ?? 3),
  }),
}));
