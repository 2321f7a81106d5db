import type { Artifact, Collection, Transform, ULabel } from '../db/generated/client';
import { MAX_SEARCH_HITS, search, SEARCH_TYPES, type SearchHit } from '../domain/search';
import { ArtifactType } from './artifact';
import { builder } from './builder';
import { CollectionType } from './collection';
import { TransformType } from './transform';
import { ULabelType } from './ulabel';

const SearchTypeEnum = builder.enumType('SearchType', {
  values: { ARTIFACT: { description: 'key, description' }, ULABEL: { description: 'name' }, TRANSFORM: { description: 'key, description' }, COLLECTION: { description: 'key, description' } } as const,
});

type ResolvedHit = SearchHit & { artifact?: Artifact; ulabel?: ULabel; transform?: Transform; collection?: Collection };

const SearchHitType = builder.objectRef<ResolvedHit>('SearchHit').implement({
  description: 'A record whose text matched, with where: `text[matchStart, matchStart + matchLength)` is the query when it occurs literally.',
  fields: (t) => ({
    type: t.field({ type: SearchTypeEnum, resolve: (hit) => hit.type }),
    score: t.exposeFloat('score', { description: "Word similarity (pg_trgm) of the query to the text's best-matching stretch, 0..1." }),
    field: t.exposeString('field', { description: 'The column that matched best: key, description or name.' }),
    text: t.exposeString('text'),
    matchStart: t.exposeInt('matchStart', { nullable: true, description: 'Offset (UTF-16 code units, as JavaScript counts) of the literal match; null for a fuzzy one.' }),
    matchLength: t.exposeInt('matchLength'),
    artifact: t.field({ type: ArtifactType, nullable: true, resolve: (hit) => hit.artifact ?? null }),
    ulabel: t.field({ type: ULabelType, nullable: true, resolve: (hit) => hit.ulabel ?? null }),
    transform: t.field({ type: TransformType, nullable: true, resolve: (hit) => hit.transform ?? null }),
    collection: t.field({ type: CollectionType, nullable: true, resolve: (hit) => hit.collection ?? null }),
  }),
});

builder.queryField('search', (t) =>
  t.field({
    authScopes: { read: true },
    type: [SearchHitType],
    description: `Artifacts (key, description; latest versions), labels (name), transforms and collections (key, description; latest versions) whose text contains words like the query (at least 3 characters), best first; at most ${MAX_SEARCH_HITS}.`,
    args: {
      query: t.arg.string({ required: true }),
      types: t.arg({ type: [SearchTypeEnum], required: false, description: 'Default: all.' }),
      first: t.arg.int({ required: false, defaultValue: 20 }),
    },
    resolve: async (_root, args, context) => {
      const hits = await search(context.db, args.query, args.types ?? SEARCH_TYPES, args.first ?? 20);
      // The records behind the hits: one statement per type.
      const uidsOf = (type: SearchHit['type']) => hits.filter((hit) => hit.type === type).map((hit) => hit.uid);
      const [artifacts, ulabels, transforms, collections] = await Promise.all([
        uidsOf('ARTIFACT').length ? context.db.artifact.findMany({ where: { uid: { in: uidsOf('ARTIFACT') } } }) : [],
        uidsOf('ULABEL').length ? context.db.uLabel.findMany({ where: { uid: { in: uidsOf('ULABEL') } } }) : [],
        uidsOf('TRANSFORM').length ? context.db.transform.findMany({ where: { uid: { in: uidsOf('TRANSFORM') } } }) : [],
        uidsOf('COLLECTION').length ? context.db.collection.findMany({ where: { uid: { in: uidsOf('COLLECTION') } } }) : [],
      ]);
      const byUid = <T extends { uid: string }>(records: T[]) => new Map(records.map((record) => [record.uid, record]));
      const [artifact, ulabel, transform, collection] = [byUid(artifacts), byUid(ulabels), byUid(transforms), byUid(collections)];
      return hits.map((hit) => ({
        ...hit,
        artifact: hit.type === 'ARTIFACT' ? artifact.get(hit.uid) : undefined,
        ulabel: hit.type === 'ULABEL' ? ulabel.get(hit.uid) : undefined,
        transform: hit.type === 'TRANSFORM' ? transform.get(hit.uid) : undefined,
        collection: hit.type === 'COLLECTION' ? collection.get(hit.uid) : undefined,
      }));
    },
  }),
);
