import type { TroveContext } from '../context';
import type { Prisma, ULabel } from '../db/generated/client';
import { InvalidInputError, NotFoundError, RecordInUseError, SimilarNamesError } from '../domain/errors';
import { ulabelWhere } from '../domain/filters';
import { addLabels, createULabel, createULabels, deleteULabel, removeLabels, restoreULabel, type ULabelOutcome, updateULabel } from '../domain/labels';
import { prismaConnectionHelpers } from '@pothos/plugin-prisma';
import { ArtifactConnection } from './artifact';
import { builder } from './builder';
import { BranchEnum } from './common';
import { nodeConnection, nodeWithId } from './connections';
import { ErrorInterface } from './errors';
import { deletePayload, recordPayload } from './payloads';

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
    createdBy: t.relation('createdBy'),
    run: t.relation('run', { nullable: true }),
    artifacts: t.prismaConnection(
      {
        type: 'Artifact',
        cursor: 'uid',
        description: 'Artifacts with this label (MAIN branch).',
        totalCount: (label, _args, context) =>
          context.db.artifact.count({ where: { branch: 'MAIN', labels: { some: { ulabelId: label.id } } } }),
        resolve: (query, label, _args, context) =>
          context.db.artifact.findMany({
            ...query,
            where: { branch: 'MAIN', labels: { some: { ulabelId: label.id } } },
            orderBy: [{ createdAt: 'desc' }, { uid: 'asc' }],
          }),
      },
      ArtifactConnection,
    ),
  }),
});

export const ULabelConnection = nodeConnection('ULabel', ULabelType);

builder.prismaObjectFields('ULabel', (t) => ({
  children: t.relatedConnection(
    'children',
    { cursor: 'uid', totalCount: true, description: 'Labels of this type (MAIN branch), by name.', query: { where: { branch: 'MAIN' }, orderBy: [{ name: 'asc' }, { uid: 'asc' }] } },
    ULabelConnection,
  ),
}));

// An artifact's labels, paged over the link rows (in the order they were attached) in the artifact's own query.
// Each node selects at least its id, so a page with only `totalCount` or cursors is a valid query.
const artifactLabels = prismaConnectionHelpers(builder, 'ArtifactULabel', {
  cursor: 'artifactId_ulabelId',
  select: (nodeSelection) => ({ ulabel: nodeWithId(nodeSelection) }),
  // Prisma takes a list of orderings where Pothos's type names one: ties (one batch) break by label.
  query: { orderBy: [{ createdAt: 'asc' }, { ulabelId: 'asc' }] as Prisma.ArtifactULabelOrderByWithRelationInput },
  resolveNode: (link) => link.ulabel,
});

type LinkPageArgs = Parameters<typeof artifactLabels.getQuery>[0];
type NestedSelection = Parameters<typeof artifactLabels.getQuery>[2];

/** The page info of a connection whose page was not asked for. */
const NO_PAGE = { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null };

builder.prismaObjectFields('Artifact', (t) => ({
  labels: t.connection(
    {
      type: ULabelType,
      // The link rows are loaded only for a page that shows them: a page of artifacts asking for label counts alone
      // costs one count statement (a loader), not the links of every artifact. Set as the Prisma plugin's own
      // selection extension because its `select` option does not pass on what the query selects beneath the field.
      extensions: {
        pothosPrismaSelect: (args: LinkPageArgs, context: TroveContext, nestedSelection: NestedSelection, selected: (path: string[]) => unknown) => {
          const showsLinks = selected(['edges']) !== null || selected(['pageInfo']) !== null;
          return { select: showsLinks ? { labels: artifactLabels.getQuery(args, context, nestedSelection) } : { id: true } };
        },
      },
      resolve: (artifact, args, context) => {
        const totalCount = () => context.loaders.labelCount.load(artifact.id);
        const links = (artifact as { labels?: Parameters<typeof artifactLabels.resolve>[0] }).labels;
        if (!links) return { edges: [], pageInfo: NO_PAGE, totalCount };
        return { ...artifactLabels.resolve(links, args, context), totalCount };
      },
    },
    ULabelConnection,
  ),
}));

builder.queryFields((t) => ({
  ulabel: t.prismaField({
    authScopes: { read: true },
    type: 'ULabel',
    nullable: true,
    args: { uid: t.arg.string({ required: true }) },
    resolve: (query, _root, args, context) => context.db.uLabel.findUnique({ ...query, where: { uid: args.uid } }),
  }),
  ulabels: t.prismaConnection(
    {
      authScopes: { read: true },
      type: 'ULabel',
      cursor: 'uid',
      args: { filter: t.arg({ type: ULabelFilterInput, required: false }) },
      totalCount: (_connection, args, context) => context.db.uLabel.count({ where: ulabelWhere(args.filter ?? {}) }),
      resolve: (query, _root, args, context) =>
        context.db.uLabel.findMany({ ...query, where: ulabelWhere(args.filter ?? {}), orderBy: [{ name: 'asc' }, { uid: 'asc' }] }),
    },
    ULabelConnection,
  ),
}));

const ULabelInput = builder.inputType('ULabelInput', {
  fields: (t) => ({
    name: t.string({ required: true }),
    description: t.string({ required: false }),
    reference: t.string({ required: false, description: 'An identifier in another system, e.g. an ontology id.' }),
    referenceType: t.string({ required: false }),
    isType: t.boolean({ required: false, description: 'This label is a type that groups child labels.' }),
    typeUid: t.string({ required: false, description: 'The label type this label belongs to.' }),
    runUid: t.string({ required: false, description: 'The run creating this label.' }),
  }),
});

const searchNamesDescription = 'Look for similar names first (default: TROVE_SEARCH_NAMES).';

const CreateULabelInput = builder.inputType('CreateULabelInput', {
  fields: (t) => ({
    label: t.field({ type: ULabelInput, required: true }),
    searchNames: t.boolean({ required: false, description: searchNamesDescription }),
  }),
});

const CreateULabelsInput = builder.inputType('CreateULabelsInput', {
  fields: (t) => ({
    labels: t.field({ type: [ULabelInput], required: true }),
    searchNames: t.boolean({ required: false, description: searchNamesDescription }),
  }),
});

const LabelArtifactInput = builder.inputType('LabelArtifactInput', {
  description: 'An artifact and the labels to attach to it or detach from it.',
  fields: (t) => ({
    artifactUid: t.string({ required: true }),
    labelUids: t.stringList({ required: true }),
  }),
});

const AddLabelsPayload = recordPayload<{ artifact: { id: number } }>('AddLabelsPayload', 'artifact');
const RemoveLabelsPayload = recordPayload<{ artifact: { id: number } }>('RemoveLabelsPayload', 'artifact');

export const ULabelPayload = builder.objectRef<{ ulabel: ULabel; created: boolean; warnings: string[] }>('ULabelPayload').implement({
  fields: (t) => ({
    warnings: t.exposeStringList('warnings', { description: 'Similar names that were not close enough to stop the creation.' }),
    created: t.exposeBoolean('created', { description: 'False when a label with this exact name (in this type) existed and is returned.' }),
    ulabel: t.field({ type: ULabelType, resolve: (payload) => payload.ulabel }),
  }),
});

const SimilarULabel = builder.objectRef<{ record: ULabel; score: number }>('SimilarULabel').implement({
  fields: (t) => ({
    ulabel: t.field({ type: ULabelType, resolve: (similar) => similar.record }),
    score: t.exposeFloat('score', { description: 'Trigram similarity to the requested name (0..1).' }),
  }),
});

const SimilarNamesObject = builder.objectType(SimilarNamesError, {
  name: 'SimilarNames',
  description: 'Similar names exist and nothing was created: use one of `similar`, or call again with searchNames: false.',
  interfaces: [ErrorInterface],
  // Bulk results carry the same fields as plain data: graphql-js treats Error instances inside lists as failures.
  isTypeOf: (value) => value instanceof SimilarNamesError || (value as { code?: string }).code === 'SIMILAR_NAMES',
  fields: (t) => ({
    requestedName: t.exposeString('requestedName'),
    similar: t.field({ type: [SimilarULabel], resolve: (error) => (error as SimilarNamesError<ULabel>).similar }),
  }),
});

function payloadOrError(outcome: ULabelOutcome): { ulabel: ULabel; created: boolean; warnings: string[] } | SimilarNamesError<ULabel> {
  if (outcome.kind === 'similar') return new SimilarNamesError(outcome.requestedName, outcome.similar.map(({ ulabel, score }) => ({ record: ulabel, score })));
  return { ulabel: outcome.ulabel, created: outcome.kind === 'created', warnings: outcome.kind === 'created' ? (outcome.warnings ?? []) : [] };
}

const ULabelBulkResult = builder.unionType('ULabelBulkResult', {
  types: [ULabelPayload, SimilarNamesObject],
  resolveType: (value) => ((value as { code?: string }).code === 'SIMILAR_NAMES' ? 'SimilarNames' : 'ULabelPayload'),
});

const DeleteULabelInput = builder.inputType('DeleteULabelInput', {
  fields: (t) => ({
    uid: t.string({ required: true }),
    permanent: t.boolean({ required: false, defaultValue: false, description: 'Delete the record instead of moving it to the trash.' }),
  }),
});
const RestoreULabelInput = builder.inputType('RestoreULabelInput', { fields: (t) => ({ uid: t.string({ required: true }) }) });
const UpdateULabelInput = builder.inputType('UpdateULabelInput', {
  description: 'Fields to change; an omitted field stays as it is, null clears it (a name cannot be cleared).',
  fields: (t) => ({
    uid: t.string({ required: true }),
    name: t.string({ required: false, description: 'Unique within the label type.' }),
    description: t.string({ required: false }),
    reference: t.string({ required: false }),
    referenceType: t.string({ required: false }),
  }),
});

const DeleteULabelPayload = deletePayload<ULabel>('DeleteULabelPayload', 'ULabel');
builder.objectField(DeleteULabelPayload, 'ulabel', (t) =>
  t.field({ type: ULabelType, nullable: true, description: 'The trashed label (null when deleted for good).', resolve: (payload) => (payload.permanent ? null : payload.record) }),
);

builder.mutationFields((t) => ({
  deleteULabel: t.field({
    authScopes: { write: true },
    type: DeleteULabelPayload,
    description: "Moves a label to the trash, or with permanent: true deletes it; a label on artifacts or typing other labels is refused for good (LaminDB's PROTECT).",
    args: { input: t.arg({ type: DeleteULabelInput, required: true }) },
    errors: { types: [NotFoundError, RecordInUseError], union: { name: 'DeleteULabelResult' } },
    resolve: async (_root, { input }, context) => ({ record: await deleteULabel(context.db, input.uid, input.permanent ?? false), permanent: input.permanent ?? false }),
  }),
  updateULabel: t.field({
    authScopes: { write: true },
    type: ULabelPayload,
    description: "Renames a label (unique within its type) or edits its description and reference.",
    args: { input: t.arg({ type: UpdateULabelInput, required: true }) },
    errors: { types: [NotFoundError, InvalidInputError], union: { name: 'UpdateULabelResult' } },
    resolve: async (_root, { input }, context) => ({ ulabel: await updateULabel(context.db, input), created: false, warnings: [] }),
  }),
  restoreULabel: t.field({
    authScopes: { write: true },
    type: ULabelPayload,
    description: 'Brings a label back from the trash.',
    args: { input: t.arg({ type: RestoreULabelInput, required: true }) },
    errors: { types: [NotFoundError], union: { name: 'RestoreULabelResult' } },
    resolve: async (_root, { input }, context) => ({ ulabel: await restoreULabel(context.db, input.uid), created: false, warnings: [] }),
  }),
  createULabel: t.field({
    authScopes: { write: true },
    type: ULabelPayload,
    description: 'Creates a label, or returns the one with this exact name, or answers SimilarNames (seed 004).',
    args: { input: t.arg({ type: CreateULabelInput, required: true }) },
    errors: { types: [InvalidInputError, NotFoundError, SimilarNamesError], union: { name: 'CreateULabelResult' } },
    resolve: async (_root, { input }, context) => {
      const outcome = await createULabel(context.db, input.label, { searchNames: input.searchNames ?? context.config.searchNames, createdById: context.user.id });
      const result = payloadOrError(outcome);
      if (result instanceof SimilarNamesError) throw result;
      return result;
    },
  }),
  createULabels: t.field({
    authScopes: { write: true },
    type: [ULabelBulkResult],
    description: 'Creates many labels with one result per input, in a constant number of SQL statements.',
    args: { input: t.arg({ type: CreateULabelsInput, required: true }) },
    errors: { types: [InvalidInputError], union: { name: 'CreateULabelsResult' }, result: { name: 'CreateULabelsPayload' }, directResult: false, dataField: { name: 'results' } },
    resolve: async (_root, { input }, context) => {
      const outcomes = await createULabels(context.db, input.labels, { searchNames: input.searchNames ?? context.config.searchNames, createdById: context.user.id });
      return outcomes.map((outcome) => {
        const result = payloadOrError(outcome);
        if (!(result instanceof SimilarNamesError)) return result;
        const { code, message, requestedName, similar } = result;
        return { code, message, requestedName, similar } as unknown as SimilarNamesError<ULabel>;
      });
    },
  }),
  addLabels: t.field({
    authScopes: { write: true },
    type: AddLabelsPayload,
    description: 'Labels an artifact (idempotent).',
    args: { input: t.arg({ type: LabelArtifactInput, required: true }) },
    errors: { types: [NotFoundError], union: { name: 'AddLabelsResult' } },
    resolve: async (_root, { input }, context) => ({ artifact: { id: await addLabels(context.db, input.artifactUid, input.labelUids) } }),
  }),
  removeLabels: t.field({
    authScopes: { write: true },
    type: RemoveLabelsPayload,
    description: 'Removes labels from an artifact (idempotent).',
    args: { input: t.arg({ type: LabelArtifactInput, required: true }) },
    errors: { types: [NotFoundError], union: { name: 'RemoveLabelsResult' } },
    resolve: async (_root, { input }, context) => ({ artifact: { id: await removeLabels(context.db, input.artifactUid, input.labelUids) } }),
  }),
}));
