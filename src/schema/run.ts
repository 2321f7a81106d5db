import { z } from 'zod';
import type { Prisma } from '../db/generated/client';
import { InvalidInputError, NotFoundError } from '../domain/errors';
import { runWhere } from '../domain/filters';
import { finishRun, type LineageGraph, markInputs, startRun, upstreamLineage } from '../domain/transforms';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { prismaConnectionHelpers } from '@pothos/plugin-prisma';
import { ArtifactConnection, ArtifactType } from './artifact';
import { builder } from './builder';
import { BranchEnum } from './common';
import { nodeConnection, nodeWithId } from './connections';
import { recordPayload } from './payloads';

export const RunStatusEnum = builder.enumType('RunStatus', {
  values: ['SCHEDULED', 'STARTED', 'COMPLETED', 'ERRORED', 'ABORTED'] as const,
});

const RunFilterInput = builder.inputType('RunFilter', {
  fields: (t) => ({
    transformUid: t.string({ required: false }),
    status: t.field({ type: RunStatusEnum, required: false }),
    paramsContain: t.field({ type: 'JSONObject', required: false, description: 'Runs whose params have these top-level values.' }),
    branch: t.field({ type: BranchEnum, required: false, description: 'Default MAIN.' }),
    createdAfter: t.field({ type: 'DateTime', required: false }),
    createdBefore: t.field({ type: 'DateTime', required: false }),
  }),
});

const FinishedRunStatus = builder.enumType('FinishedRunStatus', { values: ['COMPLETED', 'ERRORED', 'ABORTED'] as const });

export const RunType = builder.prismaNode('Run', {
  id: { field: 'uid' },
  description: 'One execution of a transform.',
  fields: (t) => ({
    uid: t.exposeString('uid'),
    startedAt: t.expose('startedAt', { type: 'DateTime' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', nullable: true }),
    status: t.expose('status', { type: RunStatusEnum }),
    branch: t.expose('branch', { type: BranchEnum }),
    params: t.field({
      type: 'JSONObject',
      nullable: true,
      description: 'The parameters the run was started with (LaminDB: run.params).',
      resolve: (run) => (run.params as Record<string, unknown> | null) ?? null,
    }),
    reference: t.exposeString('reference', { nullable: true }),
    referenceType: t.exposeString('referenceType', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    createdBy: t.relation('createdBy'),
    report: t.relation('report', { nullable: true, description: "LaminDB's run.report, e.g. a rendered notebook." }),
    environment: t.relation('environment', { nullable: true, description: "LaminDB's run.environment, e.g. requirements.txt." }),
    outputArtifacts: t.relatedConnection(
      'outputArtifacts',
      { cursor: 'uid', totalCount: true, description: 'Artifacts this run created.', query: () => ({ orderBy: [{ createdAt: 'asc' }, { uid: 'asc' }] }) },
      ArtifactConnection,
    ),
  }),
});

export const RunConnection = nodeConnection('Run', RunType);

// Through the request's loader: one statement for a whole page of artifacts (see db/read-loaders.ts).
builder.prismaObjectFields('Artifact', (t) => ({
  run: t.field({
    type: RunType,
    nullable: true,
    description: 'The run that created this artifact.',
    resolve: (artifact, _args, context) => (artifact.runId === null ? null : context.loaders.run.load(artifact.runId)),
  }),
}));

// Lineage links (run read artifact, run saved an existing artifact's content again), paged over the link rows in
// the order they were recorded, inside the parent's own query (Prisma takes a list of orderings where Pothos's type
// names one). Each node selects at least its id, so a page with only `totalCount` or cursors is a valid query.
const readByRun = prismaConnectionHelpers(builder, 'RunInputArtifact', {
  cursor: 'runId_artifactId',
  select: (nodeSelection) => ({ artifact: nodeWithId(nodeSelection) }),
  query: { orderBy: [{ createdAt: 'asc' }, { artifactId: 'asc' }] as Prisma.RunInputArtifactOrderByWithRelationInput },
  resolveNode: (link) => link.artifact,
});
const runsReading = prismaConnectionHelpers(builder, 'RunInputArtifact', {
  cursor: 'runId_artifactId',
  select: (nodeSelection) => ({ run: nodeWithId(nodeSelection) }),
  query: { orderBy: [{ createdAt: 'asc' }, { runId: 'asc' }] as Prisma.RunInputArtifactOrderByWithRelationInput },
  resolveNode: (link) => link.run,
});
const recreatedByRun = prismaConnectionHelpers(builder, 'ArtifactRecreatingRun', {
  cursor: 'artifactId_runId',
  select: (nodeSelection) => ({ artifact: nodeWithId(nodeSelection) }),
  query: { orderBy: [{ createdAt: 'asc' }, { artifactId: 'asc' }] as Prisma.ArtifactRecreatingRunOrderByWithRelationInput },
  resolveNode: (link) => link.artifact,
});
const runsRecreating = prismaConnectionHelpers(builder, 'ArtifactRecreatingRun', {
  cursor: 'artifactId_runId',
  select: (nodeSelection) => ({ run: nodeWithId(nodeSelection) }),
  query: { orderBy: [{ createdAt: 'asc' }, { runId: 'asc' }] as Prisma.ArtifactRecreatingRunOrderByWithRelationInput },
  resolveNode: (link) => link.run,
});

builder.prismaObjectFields('Run', (t) => ({
  inputArtifacts: t.connection(
    {
      type: ArtifactType,
      description: 'Artifacts this run read.',
      select: (args, context, nestedSelection) => ({
        inputArtifacts: readByRun.getQuery(args, context, nestedSelection),
        _count: { select: { inputArtifacts: true } },
      }),
      resolve: (run, args, context) => ({ ...readByRun.resolve(run.inputArtifacts, args, context), totalCount: run._count.inputArtifacts }),
    },
    ArtifactConnection,
  ),
  recreatedArtifacts: t.connection(
    {
      type: ArtifactType,
      description: 'Existing artifacts whose content this run saved again.',
      select: (args, context, nestedSelection) => ({
        recreated: recreatedByRun.getQuery(args, context, nestedSelection),
        _count: { select: { recreated: true } },
      }),
      resolve: (run, args, context) => ({ ...recreatedByRun.resolve(run.recreated, args, context), totalCount: run._count.recreated }),
    },
    ArtifactConnection,
  ),
}));

builder.queryFields((t) => ({
  run: t.prismaField({
    authScopes: { read: true },
    type: 'Run',
    nullable: true,
    args: { uid: t.arg.string({ required: true }) },
    resolve: (query, _root, args, context) => context.db.run.findUnique({ ...query, where: { uid: args.uid } }),
  }),
  runs: t.prismaConnection(
    {
      authScopes: { read: true },
      type: 'Run',
      cursor: 'uid',
      args: { filter: t.arg({ type: RunFilterInput, required: false }) },
      totalCount: (_connection, args, context) => context.db.run.count({ where: runWhere(args.filter ?? {}) }),
      resolve: (query, _root, args, context) =>
        context.db.run.findMany({ ...query, where: runWhere(args.filter ?? {}), orderBy: [{ startedAt: 'desc' }, { uid: 'asc' }] }),
    },
    RunConnection,
  ),
}));

// Lineage seen from the artifact side (defined here so Artifact and Run do not reference each other's types
// while they are being inferred).
builder.prismaObjectFields('Artifact', (t) => ({
  inputOfRuns: t.connection(
    {
      type: RunType,
      description: 'Runs that read this artifact.',
      select: (args, context, nestedSelection) => ({
        inputOfRuns: runsReading.getQuery(args, context, nestedSelection),
        _count: { select: { inputOfRuns: true } },
      }),
      resolve: (artifact, args, context) => ({ ...runsReading.resolve(artifact.inputOfRuns, args, context), totalCount: artifact._count.inputOfRuns }),
    },
    RunConnection,
  ),
  recreatingRuns: t.connection(
    {
      type: RunType,
      description: 'Runs that saved this content again after it was created.',
      select: (args, context, nestedSelection) => ({
        recreatingRuns: runsRecreating.getQuery(args, context, nestedSelection),
        _count: { select: { recreatingRuns: true } },
      }),
      resolve: (artifact, args, context) => ({
        ...runsRecreating.resolve(artifact.recreatingRuns, args, context),
        totalCount: artifact._count.recreatingRuns,
      }),
    },
    RunConnection,
  ),
}));

const StartRunInput = builder.inputType('StartRunInput', {
  description: 'Either transformUid (a new run) or runUid (a scheduled run, now starting).',
  fields: (t) => ({
    transformUid: t.string({ required: false }),
    runUid: t.string({ required: false, description: 'Starts this SCHEDULED run.' }),
    scheduled: t.boolean({ required: false, description: 'Create the run as SCHEDULED; start it later with runUid.' }),
    environmentUid: t.string({ required: false, description: "The run's environment, e.g. a requirements.txt artifact." }),
    params: t.field({ type: 'JSONObject', required: false, description: 'Parameters of this run, e.g. { "batch": 3 }.' }),
    reference: t.string({ required: false, description: 'An identifier in another system, e.g. a CI job URL.' }),
    referenceType: t.string({ required: false }),
  }),
});

const FinishRunInput = builder.inputType('FinishRunInput', {
  fields: (t) => ({
    runUid: t.string({ required: true }),
    status: t.field({ type: FinishedRunStatus, required: true }),
    reportUid: t.string({ required: false, description: "The run's report, e.g. a rendered notebook artifact." }),
    environmentUid: t.string({ required: false, description: "The run's environment, e.g. a requirements.txt artifact." }),
  }),
});

const MarkInputsInput = builder.inputType('MarkInputsInput', {
  fields: (t) => ({
    runUid: t.string({ required: true }),
    artifactUids: t.stringList({ required: true }),
    collectionUids: t.stringList({ required: false, description: 'Collections the run read.' }),
  }),
});

const StartRunPayload = recordPayload<{ run: { id: number } }>('StartRunPayload', 'run');
const FinishRunPayload = recordPayload<{ run: { id: number } }>('FinishRunPayload', 'run');
const MarkInputsPayload = recordPayload<{ run: { id: number }; recorded: number }>('MarkInputsPayload', 'run');
builder.objectFields(MarkInputsPayload, (t) => ({
  recorded: t.exposeInt('recorded', { description: 'New input links; artifacts already recorded, or made by this run, are skipped.' }),
}));

builder.mutationFields((t) => ({
  startRun: t.field({
    authScopes: { write: true },
    type: StartRunPayload,
    description: 'Starts a run of a transform (STARTED, or SCHEDULED with scheduled: true), or starts a scheduled run (runUid).',
    args: { input: t.arg({ type: StartRunInput, required: true }) },
    errors: { types: [NotFoundError, InvalidInputError], union: { name: 'StartRunResult' } },
    resolve: async (_root, { input }, context) => ({ run: await startRun(context.db, input, context.user.id) }),
  }),
  finishRun: t.field({
    authScopes: { write: true },
    type: FinishRunPayload,
    description: 'Finishes a scheduled or started run and sets finishedAt; records its report and environment artifacts.',
    args: { input: t.arg({ type: FinishRunInput, required: true }) },
    errors: { types: [NotFoundError, InvalidInputError], union: { name: 'FinishRunResult' } },
    resolve: async (_root, { input }, context) => ({ run: await finishRun(context.db, input) }),
  }),
  markInputs: t.field({
    authScopes: { write: true },
    type: MarkInputsPayload,
    description: 'Records that the run read these artifacts (skipping ones the run created or re-created) and collections.',
    args: { input: t.arg({ type: MarkInputsInput, required: true }) },
    errors: { types: [NotFoundError], union: { name: 'MarkInputsResult' } },
    resolve: (_root, { input }, context) => markInputs(context.db, input.runUid, input.artifactUids, input.collectionUids ?? []),
  }),
}));

const LineageEdgeKind = builder.enumType('LineageEdgeKind', {
  values: {
    INPUT: { description: 'Artifact -> Run: the run read the artifact.' },
    OUTPUT: { description: 'Run -> Artifact: the run created the artifact.' },
    TRANSFORM: { description: 'Transform -> Run: the run executed the transform.' },
  } as const,
});

const LineageEdge = builder.objectRef<LineageGraph['edges'][number]>('LineageEdge').implement({
  description: 'source -> target, by the same `id`s the nodes in `artifacts`, `runs` and `transforms` carry.',
  fields: (t) => ({
    source: t.id({ resolve: (edge) => encodeGlobalID(edge.source.type, edge.source.uid) }),
    target: t.id({ resolve: (edge) => encodeGlobalID(edge.target.type, edge.target.uid) }),
    kind: t.field({ type: LineageEdgeKind, resolve: (edge) => edge.kind }),
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
