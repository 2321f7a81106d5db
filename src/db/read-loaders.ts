// Per-request loaders for what a page shows beside each of its records: an artifact's storage, its run and that
// run's transform, its number of labels. Prisma loads a relation with a model query per page that costs a few
// milliseconds of its own and counts a relation by grouping the whole link table; these are one plain statement per
// page and kind (`= ANY` of the distinct ids, served by primary keys and the link table's index), whatever the page
// size, sent without Prisma's query machinery.
import DataLoader from 'dataloader';
import type { SqlReader } from './client';
import type { Run, Storage, Transform } from './generated/client';

export interface ReadLoaders {
  storage: DataLoader<number, Storage>;
  run: DataLoader<number, Run>;
  transform: DataLoader<number, Transform>;
  /** How many labels each artifact has. */
  labelCount: DataLoader<number, number>;
}

export function createReadLoaders(read: SqlReader): ReadLoaders {
  return {
    storage: rowsById<Storage>(read, 'Storage'),
    run: rowsById<Run>(read, 'Run'),
    transform: rowsById<Transform>(read, 'Transform'),
    labelCount: new DataLoader(async (artifactIds) => {
      const rows = await read<{ artifactId: number; count: number }>(
        `SELECT "artifactId", count(*)::int AS count FROM "ArtifactULabel" WHERE "artifactId" = ANY($1::int[]) GROUP BY "artifactId"`,
        [[...artifactIds]],
      );
      const counts = new Map(rows.map((row) => [row.artifactId, row.count]));
      return artifactIds.map((id) => counts.get(id) ?? 0);
    }),
  };
}

/**
 * Whole rows by primary key, shaped as Prisma returns them (the columns carry the model's field names). A referenced
 * row always exists (foreign keys), so a missing one is an error for that key only.
 */
function rowsById<Row extends { id: number }>(read: SqlReader, table: 'Storage' | 'Run' | 'Transform'): DataLoader<number, Row> {
  const text = `SELECT * FROM "${table}" WHERE id = ANY($1::int[])`;
  return new DataLoader(async (ids) => {
    const rows = await read<Row>(text, [[...ids]]);
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? new Error(`${table} ${id} not found`));
  });
}
