// Inserts metadata rows directly (no bytes), for tests of the read API.
import type { Database } from '../../src/db/client';
import { randomBase62 } from '../../src/domain/uid';

export async function seedCatalog(db: Database, options: { artifacts: number; labelsPerArtifact: number }) {
  const user = await db.user.findFirstOrThrow();
  const storage = await db.storage.findFirstOrThrow({ where: { isDefault: true } });
  const transform = await db.transform.create({
    data: { uid: randomBase62(12) + '0000', key: 'pipelines/ingest.py', kind: 'PIPELINE', createdById: user.id },
  });
  const run = await db.run.create({ data: { uid: randomBase62(16), transformId: transform.id, createdById: user.id, params: { batch: 3 } } });
  const labelType = await db.uLabel.create({ data: { uid: randomBase62(8), name: 'Project', isType: true, createdById: user.id } });
  const labels = await Promise.all(
    Array.from({ length: options.labelsPerArtifact }, (_, index) =>
      db.uLabel.create({ data: { uid: randomBase62(8), name: `project ${index}`, typeId: labelType.id, createdById: user.id } }),
    ),
  );
  const artifacts = [];
  for (let index = 0; index < options.artifacts; index++) {
    const uid = randomBase62(16) + '0000';
    artifacts.push(
      await db.artifact.create({
        data: {
          uid,
          key: `data/file-${String(index).padStart(3, '0')}.csv`,
          suffix: '.csv',
          size: BigInt(100 + index),
          hash: randomBase62(22),
          hashType: 'md5',
          storageKey: `.lamindb/${uid}.csv`,
          storageId: storage.id,
          createdById: user.id,
          runId: index % 2 === 0 ? run.id : null,
          labels: { create: labels.map((label) => ({ ulabelId: label.id })) },
        },
      }),
    );
  }
  return { user, storage, transform, run, labelType, labels, artifacts };
}
