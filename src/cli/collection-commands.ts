// `trove collection ...`: create a collection from saved artifacts, look at it, download or cache all of it, edit,
// trash, restore and delete it.
import type { Command } from 'commander';
import type { ClientCollection, CollectionIdentifier } from '../client/collections';
import type { CliContext } from './lineage-commands';
import { progressBar } from './progress';

function describeCollection(collection: ClientCollection): string {
  const flags = [collection.isLatest ? '' : 'not latest', collection.branch === 'MAIN' ? '' : collection.branch.toLowerCase()].filter(Boolean);
  return `${collection.uid}  ${collection.key}  ${collection.artifacts.totalCount} artifact(s)  v${collection.version}${flags.length ? `  (${flags.join(', ')})` : ''}`;
}

function collectionIdentifier(uidOrKey: string, run?: string): CollectionIdentifier {
  return { ...(/^[0-9A-Za-z]{20}$/.test(uidOrKey) ? { uid: uidOrKey } : { key: uidOrKey }), asInputOf: run };
}

/** An empty option value clears a field; an option left out leaves it as it is. */
const change = (value: string | undefined) => (value === undefined ? undefined : value === '' ? null : value);

export function addCollectionCommands(program: Command, { client, output, asJson }: CliContext): void {
  const collection = program.command('collection').description("collections: named, versioned, ordered sets of artifacts (LaminDB's Collection)");
  collection
    .command('create <key> <artifactUids...>')
    .description('a collection of saved artifacts in this order; the same artifacts again give the existing collection, an existing key its next version')
    .option('--description <text>')
    .option('--meta <uid>', 'an artifact that indexes the collection')
    .option('--run <uid>', 'the run creating the collection (its artifacts become the run inputs)')
    .option('--revises <uid>', 'make a new version of this collection')
    .option('--version-tag <tag>')
    .option('--reference <id>', 'an identifier in another system, e.g. a URL')
    .option('--skip-hash-lookup', 'create it even if a collection with the same artifacts exists under another key')
    .action(async (key: string, artifactUids: string[], options: Record<string, string | boolean | undefined>) => {
      const result = await client().collections.create({
        key,
        artifactUids,
        description: options.description as string | undefined,
        metaArtifactUid: options.meta as string | undefined,
        runUid: options.run as string | undefined,
        revisesUid: options.revises as string | undefined,
        versionTag: options.versionTag as string | undefined,
        reference: options.reference as string | undefined,
        skipHashLookup: options.skipHashLookup === true ? true : undefined,
      });
      if (asJson()) return output(JSON.stringify(result));
      for (const warning of result.warnings) console.error(`warning: ${warning}`);
      output(`${result.created ? 'created' : 'existing'}: ${describeCollection(result.collection)}`);
    });
  collection
    .command('list [keyPrefix]')
    .description('list collections, newest first (latest versions only, unless --all-versions or --trash)')
    .option('--trash', 'list the trash instead')
    .option('--all-versions', 'include earlier versions')
    .option('--artifact <uid>', 'collections that contain this artifact')
    .action(async (keyPrefix: string | undefined, options: { trash?: boolean; allVersions?: boolean; artifact?: string }) => {
      const filter = {
        keyPrefix,
        branch: options.trash ? ('TRASH' as const) : undefined,
        isLatest: options.allVersions || options.trash ? undefined : true,
        artifactUid: options.artifact,
      };
      for await (const item of client().collections.list(filter)) output(asJson() ? JSON.stringify(item) : describeCollection(item));
    });
  collection
    .command('show <uidOrKey>')
    .description('a collection (by uid, or the latest version under a key) and its artifacts in order')
    .action(async (uidOrKey: string) => {
      const found = await client().collections.get(collectionIdentifier(uidOrKey));
      const artifacts = [];
      for await (const artifact of client().collections.artifacts(found.uid)) artifacts.push(artifact);
      if (asJson()) return output(JSON.stringify({ ...found, artifacts }));
      output(describeCollection(found));
      artifacts.forEach((artifact, index) => output(`  ${index + 1}. ${artifact.uid}  ${artifact.key ?? artifact.description ?? ''}  ${artifact.size ?? '?'} bytes`));
    });
  collection
    .command('get <uidOrKey> [directory]')
    .description('download every artifact of a collection into a directory (at their keys); without one, cache them and print their paths')
    .option('--run <uid>', 'record the collection as an input of this run')
    .action(async (uidOrKey: string, directory: string | undefined, options: { run?: string }) => {
      const bar = progressBar('downloading', asJson());
      const identifier = collectionIdentifier(uidOrKey, options.run);
      const files = await (directory ? client().collections.download(identifier, directory, bar) : client().collections.cache(identifier, bar)).finally(() => bar.stop());
      if (asJson()) return output(JSON.stringify({ files }));
      for (const file of files) output(file);
    });
  collection
    .command('update <uid>')
    .description("change a collection's key, description or version tag (an empty value clears it)")
    .option('--key <key>')
    .option('--description <text>')
    .option('--version-tag <tag>')
    .action(async (uid: string, options: { key?: string; description?: string; versionTag?: string }) => {
      const updated = await client().collections.update({ uid, key: options.key || undefined, description: change(options.description), versionTag: change(options.versionTag) });
      output(asJson() ? JSON.stringify(updated) : `updated: ${describeCollection(updated)}`);
    });
  collection
    .command('delete <uid>')
    .description('move a collection to the trash, or delete it for good; its artifacts stay')
    .option('--permanent', 'remove the record')
    .action(async (uid: string, options: { permanent?: boolean }) => {
      const deleted = await client().collections.delete(uid, { permanent: options.permanent });
      output(asJson() ? JSON.stringify(deleted) : options.permanent ? `deleted: ${uid}` : `moved ${uid} to the trash`);
    });
  collection
    .command('restore <uid>')
    .description('bring a collection back from the trash')
    .action(async (uid: string) => {
      const restored = await client().collections.restore(uid);
      output(asJson() ? JSON.stringify(restored) : `restored: ${describeCollection(restored)}`);
    });
}
