// search(query): artifacts (key, description), labels (name), transforms and collections (key, description) ranked by pg_trgm's
// word similarity, the share of the query's trigrams found in the best-matching stretch of the text, so "iris" finds
// "datasets/iris_v2.csv". Each searched column has a trigram GIN index that serves the <% operator (threshold set
// for the statement's transaction only), so a search stays fast at a million rows. Latest versions on MAIN only.
import type { Database } from '../db/client';
import { Prisma } from '../db/generated/client';
import { InvalidInputError } from './errors';

export type SearchType = 'ARTIFACT' | 'ULABEL' | 'TRANSFORM' | 'COLLECTION';
export const SEARCH_TYPES: SearchType[] = ['ARTIFACT', 'ULABEL', 'TRANSFORM', 'COLLECTION'];

export interface SearchHit {
  type: SearchType;
  uid: string;
  /** The column that matched best: key, description or name. */
  field: string;
  text: string;
  /** Word similarity, 0..1. */
  score: number;
  /** Where the query occurs in `text` (any case), when it does literally. */
  matchStart: number | null;
  matchLength: number;
}

/** pg_trgm's default word-similarity threshold: a typo or two in a word still matches. */
export const WORD_SIMILARITY_THRESHOLD = 0.6;
export const MAX_SEARCH_HITS = 100;

const SEARCHED: Record<SearchType, { table: string; columns: string[]; where: string }[]> = {
  ARTIFACT: [{ table: 'Artifact', columns: ['key', 'description'], where: `branch = 'MAIN' AND "isLatest"` }],
  ULABEL: [{ table: 'ULabel', columns: ['name'], where: `branch = 'MAIN'` }],
  TRANSFORM: [{ table: 'Transform', columns: ['key', 'description'], where: `branch = 'MAIN' AND "isLatest"` }],
  COLLECTION: [{ table: 'Collection', columns: ['key', 'description'], where: `branch = 'MAIN' AND "isLatest"` }],
};

export async function search(db: Database, query: string, types: SearchType[] = SEARCH_TYPES, limit = 20): Promise<SearchHit[]> {
  const text = query.trim();
  if ([...text].length < 3) throw new InvalidInputError('search needs at least 3 characters', 'query');
  const take = Math.max(1, Math.min(limit, MAX_SEARCH_HITS));
  // One branch per searched column, each limited on its own (its index does the work), then ranked together.
  const branches = [...new Set(types)].flatMap((type) =>
    SEARCHED[type].flatMap(({ table, columns, where }) =>
      columns.map(
        // OFFSET 0 keeps the other conditions out of the inner scan, so that the planner reads the trigram index
        // rather than, say, the index of latest versions (which holds nearly every row).
        (column) => Prisma.sql`(SELECT ${type}::text AS type, uid, ${column}::text AS field, matched.text,
            word_similarity(${text}, matched.text)::float AS score
          FROM (SELECT *, ${Prisma.raw(`"${column}"`)} AS text FROM ${Prisma.raw(`"${table}"`)} WHERE ${text} <% ${Prisma.raw(`"${column}"`)} OFFSET 0) AS matched
          WHERE ${Prisma.raw(where)}
          ORDER BY score DESC LIMIT ${take})`,
      ),
    ),
  );
  if (!branches.length) return [];
  const [, rows] = await db.$transaction([
    db.$queryRaw`SELECT set_config('pg_trgm.word_similarity_threshold', ${String(WORD_SIMILARITY_THRESHOLD)}, true)`,
    db.$queryRaw<{ type: SearchType; uid: string; field: string; text: string; score: number }[]>`
      SELECT * FROM (${Prisma.join(branches, ' UNION ALL ')}) AS hit ORDER BY score DESC, text`,
  ]);
  const literal = new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'iu');
  // A record matching in two columns is listed once, with its best one.
  const best = new Map<string, SearchHit>();
  for (const row of rows) {
    const key = `${row.type}:${row.uid}`;
    if (best.has(key)) continue;
    // Offsets in the text as stored (a lower-cased copy can differ in length).
    const match = literal.exec(row.text);
    best.set(key, { ...row, matchStart: match ? match.index : null, matchLength: match ? match[0].length : 0 });
  }
  return [...best.values()].slice(0, take);
}
