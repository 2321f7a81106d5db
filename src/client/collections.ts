// Collections through the SDK: create (idempotent by content), read, page through their artifacts, download or cache
// them all (LaminDB's collection.cache()), edit, trash, restore and delete.
import path from 'node:path';
import type { GraphQLClient } from 'graphql-request';
import {
  type ArtifactFieldsFragment,
  CollectionArtifactsDocument,
  CollectionDocument,
  type CollectionFieldsFragment,
  type CollectionFilter,
  CollectionsDocument,
  CreateCollectionDocument,
  type CreateCollectionInput,
  DeleteCollectionDocument,
  MarkInputsDocument,
  RestoreCollectionDocument,
  UpdateCollectionDocument,
  type UpdateCollectionInput,
} from './generated/graphql';
import { everyNode, TroveClientError, unwrap } from './results';
import type { TransferProgress, TroveClient } from './trove-client';

export type ClientCollection = CollectionFieldsFragment;

/** A uid or a key (the latest version under it); `asInputOf` records the read as an input of that run. */
export interface CollectionIdentifier {
  uid?: string;
  key?: string;
  asInputOf?: string;
}

export class CollectionsClient {
  constructor(
    private readonly graphql: GraphQLClient,
    private readonly client: TroveClient,
  ) {}

  /** A collection of saved artifacts; the same artifacts again answer the existing one (`created: false`). */
  async create(input: CreateCollectionInput): Promise<{ collection: ClientCollection; created: boolean; warnings: string[] }> {
    const { createCollection } = await this.graphql.request(CreateCollectionDocument, { input });
    return unwrap(createCollection, 'CollectionPayload');
  }

  async get(identifier: CollectionIdentifier): Promise<ClientCollection> {
    const { collection } = await this.graphql.request(CollectionDocument, { uid: identifier.uid, key: identifier.key });
    if (!collection) throw new TroveClientError('NOT_FOUND', `no collection with ${identifier.uid ? `uid ${identifier.uid}` : `key ${identifier.key}`}`);
    if (identifier.asInputOf) {
      const { markInputs } = await this.graphql.request(MarkInputsDocument, { input: { runUid: identifier.asInputOf, artifactUids: [], collectionUids: [collection.uid] } });
      unwrap(markInputs, 'MarkInputsPayload');
    }
    return collection;
  }

  /** Every collection matching `filter`, newest first, fetched page by page. */
  list(filter: CollectionFilter = {}, pageSize = 100): AsyncGenerator<ClientCollection> {
    return everyNode(async (after) => (await this.graphql.request(CollectionsDocument, { filter, first: pageSize, after })).collections);
  }

  /** The collection's artifacts in order, fetched page by page. */
  artifacts(uid: string, pageSize = 500): AsyncGenerator<ArtifactFieldsFragment> {
    return everyNode(async (after) => {
      const { collection } = await this.graphql.request(CollectionArtifactsDocument, { uid, first: pageSize, after });
      if (!collection) throw new TroveClientError('NOT_FOUND', `no collection with uid ${uid}`);
      return collection.artifacts;
    });
  }

  /**
   * Downloads every artifact into `directory`: at its key (a relative path), or at `{uid}{suffix}` when it has no key
   * or another artifact of the collection already took that path. Returns the files in the collection's order.
   */
  async download(identifier: CollectionIdentifier, directory: string, progress: TransferProgress = {}): Promise<string[]> {
    const collection = await this.get(identifier);
    const root = path.resolve(directory);
    const taken = new Set<string>();
    const files: string[] = [];
    for await (const artifact of this.artifacts(collection.uid)) {
      let target = path.resolve(root, artifact.key ?? `${artifact.uid}${artifact.suffix}`);
      // Keys are relative without ".." segments; checked again so that no server answer writes outside `directory`.
      if (taken.has(target) || !target.startsWith(root + path.sep)) target = path.join(root, `${artifact.uid}${artifact.suffix}`);
      taken.add(target);
      progress.onPhase?.(`${artifact.key ?? artifact.uid}`);
      await this.client.download({ uid: artifact.uid }, target, progress);
      files.push(target);
    }
    return files;
  }

  /** LaminDB's collection.cache(): a current local copy of every artifact in the cache dir; their paths in order. */
  async cache(identifier: CollectionIdentifier, progress: TransferProgress = {}): Promise<string[]> {
    const collection = await this.get(identifier);
    const paths: string[] = [];
    for await (const artifact of this.artifacts(collection.uid)) paths.push(await this.client.cache({ uid: artifact.uid }, progress));
    return paths;
  }

  /** Edits key, description, version tag or reference; omitted fields stay, null clears. */
  async update(input: UpdateCollectionInput): Promise<ClientCollection> {
    const { updateCollection } = await this.graphql.request(UpdateCollectionDocument, { input });
    return unwrap(updateCollection, 'CollectionPayload').collection;
  }

  /** To the trash, or with `permanent` for good; the artifacts stay either way. */
  async delete(uid: string, options: { permanent?: boolean } = {}): Promise<{ uid: string; deletedId?: string | null }> {
    const { deleteCollection } = await this.graphql.request(DeleteCollectionDocument, { input: { uid, permanent: options.permanent } });
    return unwrap(deleteCollection, 'DeleteCollectionPayload');
  }

  async restore(uid: string): Promise<ClientCollection> {
    const { restoreCollection } = await this.graphql.request(RestoreCollectionDocument, { input: { uid } });
    return unwrap(restoreCollection, 'CollectionPayload').collection;
  }
}
