/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
export type ArtifactFilter = {
  /** Default MAIN. */
  branch?: Branch | null | undefined;
  /** Inclusive. */
  createdAfter?: string | null | undefined;
  /** Exclusive. */
  createdBefore?: string | null | undefined;
  /** Finds trashed artifacts too unless `branch` is given. */
  hash?: string | null | undefined;
  isLatest?: boolean | null | undefined;
  keyPrefix?: string | null | undefined;
  /** Artifacts with a label whose type has this uid. */
  labelTypeUid?: string | null | undefined;
  labelUid?: string | null | undefined;
  /** Artifacts this run created. */
  runUid?: string | null | undefined;
  storageUid?: string | null | undefined;
  /** e.g. ".csv" */
  suffix?: string | null | undefined;
};

/** MAIN records are listed by default; ARCHIVE and TRASH only when asked for (as in LaminDB). */
export type Branch =
  | 'ARCHIVE'
  | 'MAIN'
  | 'TRASH';

/** Exactly one of content, file, uploadId or path; at least one of key, description, runUid or revisesUid. */
export type CreateArtifactInput = {
  /** Inline content (text such as CSV or JSON), up to the upload cap. */
  content?: string | null | undefined;
  description?: string | null | undefined;
  /** A small file sent with the GraphQL multipart protocol. */
  file?: unknown;
  /** Default: server setting (RETURN_EXISTING). */
  ifHashExists?: IfHashExists | null | undefined;
  /** Path-like key, e.g. "datasets/iris.csv". */
  key?: string | null | undefined;
  /** Store under .lamindb/ with the key as metadata (default: server setting). */
  keyIsVirtual?: boolean | null | undefined;
  /** Free-form kind, e.g. "dataset" or "model". */
  kind?: string | null | undefined;
  /** An object inside a registered storage root, registered without copying. */
  path?: string | null | undefined;
  /** Make a new version of this artifact. */
  revisesUid?: string | null | undefined;
  /** The run that creates this artifact (lineage). */
  runUid?: string | null | undefined;
  /** Target storage (default: the default storage). */
  storageUid?: string | null | undefined;
  /** Suffix of inline content without a key, e.g. ".json". */
  suffix?: string | null | undefined;
  /** An upload session whose bytes were sent (createUpload). */
  uploadId?: string | null | undefined;
  /** A tag such as "1.2", unique within the version family. */
  versionTag?: string | null | undefined;
};

export type CreateUploadInput = {
  /** S3 storages: send parts straight to the bucket with presigned URLs (`parts`); needs `size`. Resumable. */
  direct?: boolean | null | undefined;
  /** File name; its suffix becomes the artifact suffix. */
  fileName?: string | null | undefined;
  /** Bytes per part of a direct upload (default 16 MiB, at least 5 MiB). */
  partSize?: number | null | undefined;
  /** Size in bytes; enables single-pass hashing and catches truncated uploads. */
  size?: number | null | undefined;
  /** Target storage (default: the default storage). */
  storageUid?: string | null | undefined;
};

export type DeleteArtifactInput = {
  /** With permanent: also delete an object under a real key (objects under auto and virtual keys always are). */
  deleteStorage?: boolean | null | undefined;
  /** Remove the record instead of moving it to the trash. */
  permanent?: boolean | null | undefined;
  uid: string;
};

/** What saving content that an artifact already has does (LaminDB: artifact_if_hash_exists). */
export type IfHashExists =
  /** Create a second artifact with the same content. */
  | 'CREATE_NEW'
  /** Answer with a HashExists error naming the existing artifact. */
  | 'ERROR'
  /** Return the existing artifact; nothing new is stored (default). */
  | 'RETURN_EXISTING';

export type RegisterStorageInput = {
  description?: string | null | undefined;
  /** S3 region (default us-east-1). */
  region?: string | null | undefined;
  /** An absolute local path or s3://bucket/prefix. */
  root: string;
};

/** New content for an artifact: exactly one of content, file or uploadId (a path in a storage is refused). */
export type ReplaceArtifactInput = {
  content?: string | null | undefined;
  file?: unknown;
  /** Refused with InvalidInput: only new content can replace an artifact. */
  path?: string | null | undefined;
  /** Suffix of inline content (default: the current suffix). */
  suffix?: string | null | undefined;
  uid: string;
  uploadId?: string | null | undefined;
};

export type StorageType =
  | 'LOCAL'
  | 'S3';

export type StoragesQueryVariables = Exact<{ [key: string]: never; }>;


export type StoragesQuery = { storages: { totalCount: number, edges: Array<{ node: { uid: string, root: string, type: StorageType, isDefault: boolean } }> } };

export type RegisterStorageMutationVariables = Exact<{
  input: RegisterStorageInput;
}>;


export type RegisterStorageMutation = { registerStorage:
    | { __typename: 'InvalidInput', code: string, message: string }
    | { __typename: 'RegisterStoragePayload', created: boolean, storage: { uid: string, root: string, type: StorageType } }
   };

export type ArtifactFieldsFragment = { uid: string, key: string | null, description: string | null, suffix: string, size: number | null, hash: string | null, hashType: string | null, version: string, isLatest: boolean, storageKey: string, path: string, branch: Branch, storageOngoing: boolean };

export type ArtifactPayloadFieldsFragment = { created: boolean, warnings: Array<string>, artifact: { uid: string, key: string | null, description: string | null, suffix: string, size: number | null, hash: string | null, hashType: string | null, version: string, isLatest: boolean, storageKey: string, path: string, branch: Branch, storageOngoing: boolean } };

export type CreateUploadMutationVariables = Exact<{
  input?: CreateUploadInput | null | undefined;
}>;


export type CreateUploadMutation = { createUpload:
    | { __typename: 'InvalidInput', code: string, message: string }
    | { __typename: 'Upload', uploadId: string, url: string, method: string }
   };

export type CreateArtifactMutationVariables = Exact<{
  input: CreateArtifactInput;
}>;


export type CreateArtifactMutation = { createArtifact:
    | { __typename: 'ArtifactPayload', created: boolean, warnings: Array<string>, artifact: { uid: string, key: string | null, description: string | null, suffix: string, size: number | null, hash: string | null, hashType: string | null, version: string, isLatest: boolean, storageKey: string, path: string, branch: Branch, storageOngoing: boolean } }
    | { __typename: 'HashExists', code: string, message: string }
    | { __typename: 'HashInTrash', code: string, message: string }
    | { __typename: 'InvalidInput', code: string, message: string }
    | { __typename: 'KeyOccupied', code: string, message: string }
    | { __typename: 'NotFound', code: string, message: string }
    | { __typename: 'StorageFailed', code: string, message: string }
    | { __typename: 'VersionTagTaken', code: string, message: string }
   };

export type ReplaceArtifactMutationVariables = Exact<{
  input: ReplaceArtifactInput;
}>;


export type ReplaceArtifactMutation = { replaceArtifact:
    | { __typename: 'ArtifactPayload', created: boolean, warnings: Array<string>, artifact: { uid: string, key: string | null, description: string | null, suffix: string, size: number | null, hash: string | null, hashType: string | null, version: string, isLatest: boolean, storageKey: string, path: string, branch: Branch, storageOngoing: boolean } }
    | { __typename: 'HashExists', code: string, message: string }
    | { __typename: 'HashInTrash', code: string, message: string }
    | { __typename: 'InvalidInput', code: string, message: string }
    | { __typename: 'KeyOccupied', code: string, message: string }
    | { __typename: 'NotFound', code: string, message: string }
    | { __typename: 'StorageFailed', code: string, message: string }
    | { __typename: 'VersionTagTaken', code: string, message: string }
   };

export type DeleteArtifactMutationVariables = Exact<{
  input: DeleteArtifactInput;
}>;


export type DeleteArtifactMutation = { deleteArtifact:
    | { __typename: 'DeleteArtifactPayload', uid: string, objectDeleted: boolean, warnings: Array<string> }
    | { __typename: 'InvalidInput', code: string, message: string }
    | { __typename: 'NotFound', code: string, message: string }
   };

export type ArtifactForDownloadQueryVariables = Exact<{
  uid?: string | null | undefined;
  key?: string | null | undefined;
  expiresIn?: number | null | undefined;
}>;


export type ArtifactForDownloadQuery = { artifact: { downloadUrl: string, uid: string, key: string | null, description: string | null, suffix: string, size: number | null, hash: string | null, hashType: string | null, version: string, isLatest: boolean, storageKey: string, path: string, branch: Branch, storageOngoing: boolean } | null };

export type DoctorFindingFieldsFragment = { storage: string, key: string, uid: string | null, detail: string };

export type DoctorReportFieldsFragment = { clean: boolean, rowsWithoutObjects: Array<{ storage: string, key: string, uid: string | null, detail: string }>, objectsWithoutRows: Array<{ storage: string, key: string, uid: string | null, detail: string }>, sizeMismatches: Array<{ storage: string, key: string, uid: string | null, detail: string }>, hashMismatches: Array<{ storage: string, key: string, uid: string | null, detail: string }>, staleOngoing: Array<{ storage: string, key: string, uid: string | null, detail: string }>, staleOperations: Array<{ storage: string, key: string, uid: string | null, detail: string }>, unreachable: Array<{ storage: string, key: string, uid: string | null, detail: string }> };

export type DoctorQueryVariables = Exact<{
  deep?: boolean | null | undefined;
  graceSeconds?: number | null | undefined;
}>;


export type DoctorQuery = { doctor: { clean: boolean, rowsWithoutObjects: Array<{ storage: string, key: string, uid: string | null, detail: string }>, objectsWithoutRows: Array<{ storage: string, key: string, uid: string | null, detail: string }>, sizeMismatches: Array<{ storage: string, key: string, uid: string | null, detail: string }>, hashMismatches: Array<{ storage: string, key: string, uid: string | null, detail: string }>, staleOngoing: Array<{ storage: string, key: string, uid: string | null, detail: string }>, staleOperations: Array<{ storage: string, key: string, uid: string | null, detail: string }>, unreachable: Array<{ storage: string, key: string, uid: string | null, detail: string }> } };

export type RepairMutationVariables = Exact<{
  graceSeconds?: number | null | undefined;
}>;


export type RepairMutation = { repair: { recovery: { finished: Array<string>, undone: Array<string>, objectsDeleted: Array<string>, uploadsExpired: Array<string>, errors: Array<string> }, after: { clean: boolean, rowsWithoutObjects: Array<{ storage: string, key: string, uid: string | null, detail: string }>, objectsWithoutRows: Array<{ storage: string, key: string, uid: string | null, detail: string }>, sizeMismatches: Array<{ storage: string, key: string, uid: string | null, detail: string }>, hashMismatches: Array<{ storage: string, key: string, uid: string | null, detail: string }>, staleOngoing: Array<{ storage: string, key: string, uid: string | null, detail: string }>, staleOperations: Array<{ storage: string, key: string, uid: string | null, detail: string }>, unreachable: Array<{ storage: string, key: string, uid: string | null, detail: string }> } } };

export type ArtifactsQueryVariables = Exact<{
  filter?: ArtifactFilter | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type ArtifactsQuery = { artifacts: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { uid: string, key: string | null, description: string | null, suffix: string, size: number | null, hash: string | null, hashType: string | null, version: string, isLatest: boolean, storageKey: string, path: string, branch: Branch, storageOngoing: boolean } }> } };

export type RestoreArtifactMutationVariables = Exact<{
  uid: string;
}>;


export type RestoreArtifactMutation = { restoreArtifact:
    | { __typename: 'ArtifactPayload', created: boolean, warnings: Array<string>, artifact: { uid: string, key: string | null, description: string | null, suffix: string, size: number | null, hash: string | null, hashType: string | null, version: string, isLatest: boolean, storageKey: string, path: string, branch: Branch, storageOngoing: boolean } }
    | { __typename: 'NotFound', code: string, message: string }
   };

export const ArtifactFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ArtifactFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Artifact"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"uid"}},{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"suffix"}},{"kind":"Field","name":{"kind":"Name","value":"size"}},{"kind":"Field","name":{"kind":"Name","value":"hash"}},{"kind":"Field","name":{"kind":"Name","value":"hashType"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"isLatest"}},{"kind":"Field","name":{"kind":"Name","value":"storageKey"}},{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"branch"}},{"kind":"Field","name":{"kind":"Name","value":"storageOngoing"}}]}}]} as unknown as DocumentNode<ArtifactFieldsFragment, unknown>;
export const ArtifactPayloadFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ArtifactPayloadFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ArtifactPayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"created"}},{"kind":"Field","name":{"kind":"Name","value":"warnings"}},{"kind":"Field","name":{"kind":"Name","value":"artifact"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ArtifactFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ArtifactFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Artifact"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"uid"}},{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"suffix"}},{"kind":"Field","name":{"kind":"Name","value":"size"}},{"kind":"Field","name":{"kind":"Name","value":"hash"}},{"kind":"Field","name":{"kind":"Name","value":"hashType"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"isLatest"}},{"kind":"Field","name":{"kind":"Name","value":"storageKey"}},{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"branch"}},{"kind":"Field","name":{"kind":"Name","value":"storageOngoing"}}]}}]} as unknown as DocumentNode<ArtifactPayloadFieldsFragment, unknown>;
export const DoctorFindingFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DoctorFindingFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"DoctorFinding"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"storage"}},{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"uid"}},{"kind":"Field","name":{"kind":"Name","value":"detail"}}]}}]} as unknown as DocumentNode<DoctorFindingFieldsFragment, unknown>;
export const DoctorReportFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DoctorReportFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"DoctorReport"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"clean"}},{"kind":"Field","name":{"kind":"Name","value":"rowsWithoutObjects"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DoctorFindingFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"objectsWithoutRows"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DoctorFindingFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"sizeMismatches"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DoctorFindingFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"hashMismatches"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DoctorFindingFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"staleOngoing"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DoctorFindingFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"staleOperations"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DoctorFindingFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"unreachable"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DoctorFindingFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DoctorFindingFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"DoctorFinding"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"storage"}},{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"uid"}},{"kind":"Field","name":{"kind":"Name","value":"detail"}}]}}]} as unknown as DocumentNode<DoctorReportFieldsFragment, unknown>;
export const StoragesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Storages"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"storages"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"100"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"uid"}},{"kind":"Field","name":{"kind":"Name","value":"root"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"isDefault"}}]}}]}}]}}]}}]} as unknown as DocumentNode<StoragesQuery, StoragesQueryVariables>;
export const RegisterStorageDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RegisterStorage"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"RegisterStorageInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"registerStorage"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"RegisterStoragePayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"created"}},{"kind":"Field","name":{"kind":"Name","value":"storage"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"uid"}},{"kind":"Field","name":{"kind":"Name","value":"root"}},{"kind":"Field","name":{"kind":"Name","value":"type"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<RegisterStorageMutation, RegisterStorageMutationVariables>;
export const CreateUploadDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateUpload"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateUploadInput"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createUpload"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Upload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"uploadId"}},{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"method"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<CreateUploadMutation, CreateUploadMutationVariables>;
export const CreateArtifactDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateArtifact"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateArtifactInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createArtifact"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"ArtifactPayloadFields"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ArtifactFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Artifact"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"uid"}},{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"suffix"}},{"kind":"Field","name":{"kind":"Name","value":"size"}},{"kind":"Field","name":{"kind":"Name","value":"hash"}},{"kind":"Field","name":{"kind":"Name","value":"hashType"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"isLatest"}},{"kind":"Field","name":{"kind":"Name","value":"storageKey"}},{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"branch"}},{"kind":"Field","name":{"kind":"Name","value":"storageOngoing"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ArtifactPayloadFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ArtifactPayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"created"}},{"kind":"Field","name":{"kind":"Name","value":"warnings"}},{"kind":"Field","name":{"kind":"Name","value":"artifact"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ArtifactFields"}}]}}]}}]} as unknown as DocumentNode<CreateArtifactMutation, CreateArtifactMutationVariables>;
export const ReplaceArtifactDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ReplaceArtifact"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ReplaceArtifactInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"replaceArtifact"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"ArtifactPayloadFields"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ArtifactFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Artifact"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"uid"}},{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"suffix"}},{"kind":"Field","name":{"kind":"Name","value":"size"}},{"kind":"Field","name":{"kind":"Name","value":"hash"}},{"kind":"Field","name":{"kind":"Name","value":"hashType"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"isLatest"}},{"kind":"Field","name":{"kind":"Name","value":"storageKey"}},{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"branch"}},{"kind":"Field","name":{"kind":"Name","value":"storageOngoing"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ArtifactPayloadFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ArtifactPayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"created"}},{"kind":"Field","name":{"kind":"Name","value":"warnings"}},{"kind":"Field","name":{"kind":"Name","value":"artifact"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ArtifactFields"}}]}}]}}]} as unknown as DocumentNode<ReplaceArtifactMutation, ReplaceArtifactMutationVariables>;
export const DeleteArtifactDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DeleteArtifact"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"DeleteArtifactInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deleteArtifact"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"DeleteArtifactPayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"uid"}},{"kind":"Field","name":{"kind":"Name","value":"objectDeleted"}},{"kind":"Field","name":{"kind":"Name","value":"warnings"}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<DeleteArtifactMutation, DeleteArtifactMutationVariables>;
export const ArtifactForDownloadDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ArtifactForDownload"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"uid"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"key"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"expiresIn"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"artifact"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"uid"},"value":{"kind":"Variable","name":{"kind":"Name","value":"uid"}}},{"kind":"Argument","name":{"kind":"Name","value":"key"},"value":{"kind":"Variable","name":{"kind":"Name","value":"key"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ArtifactFields"}},{"kind":"Field","name":{"kind":"Name","value":"downloadUrl"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"expiresIn"},"value":{"kind":"Variable","name":{"kind":"Name","value":"expiresIn"}}}]}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ArtifactFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Artifact"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"uid"}},{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"suffix"}},{"kind":"Field","name":{"kind":"Name","value":"size"}},{"kind":"Field","name":{"kind":"Name","value":"hash"}},{"kind":"Field","name":{"kind":"Name","value":"hashType"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"isLatest"}},{"kind":"Field","name":{"kind":"Name","value":"storageKey"}},{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"branch"}},{"kind":"Field","name":{"kind":"Name","value":"storageOngoing"}}]}}]} as unknown as DocumentNode<ArtifactForDownloadQuery, ArtifactForDownloadQueryVariables>;
export const DoctorDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Doctor"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"deep"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"graceSeconds"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"doctor"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"deep"},"value":{"kind":"Variable","name":{"kind":"Name","value":"deep"}}},{"kind":"Argument","name":{"kind":"Name","value":"graceSeconds"},"value":{"kind":"Variable","name":{"kind":"Name","value":"graceSeconds"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DoctorReportFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DoctorFindingFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"DoctorFinding"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"storage"}},{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"uid"}},{"kind":"Field","name":{"kind":"Name","value":"detail"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DoctorReportFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"DoctorReport"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"clean"}},{"kind":"Field","name":{"kind":"Name","value":"rowsWithoutObjects"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DoctorFindingFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"objectsWithoutRows"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DoctorFindingFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"sizeMismatches"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DoctorFindingFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"hashMismatches"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DoctorFindingFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"staleOngoing"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DoctorFindingFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"staleOperations"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DoctorFindingFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"unreachable"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DoctorFindingFields"}}]}}]}}]} as unknown as DocumentNode<DoctorQuery, DoctorQueryVariables>;
export const RepairDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"Repair"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"graceSeconds"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"repair"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"graceSeconds"},"value":{"kind":"Variable","name":{"kind":"Name","value":"graceSeconds"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"recovery"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"finished"}},{"kind":"Field","name":{"kind":"Name","value":"undone"}},{"kind":"Field","name":{"kind":"Name","value":"objectsDeleted"}},{"kind":"Field","name":{"kind":"Name","value":"uploadsExpired"}},{"kind":"Field","name":{"kind":"Name","value":"errors"}}]}},{"kind":"Field","name":{"kind":"Name","value":"after"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DoctorReportFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DoctorFindingFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"DoctorFinding"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"storage"}},{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"uid"}},{"kind":"Field","name":{"kind":"Name","value":"detail"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"DoctorReportFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"DoctorReport"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"clean"}},{"kind":"Field","name":{"kind":"Name","value":"rowsWithoutObjects"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DoctorFindingFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"objectsWithoutRows"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DoctorFindingFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"sizeMismatches"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DoctorFindingFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"hashMismatches"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DoctorFindingFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"staleOngoing"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DoctorFindingFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"staleOperations"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DoctorFindingFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"unreachable"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"DoctorFindingFields"}}]}}]}}]} as unknown as DocumentNode<RepairMutation, RepairMutationVariables>;
export const ArtifactsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Artifacts"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"filter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"ArtifactFilter"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"artifacts"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"filter"},"value":{"kind":"Variable","name":{"kind":"Name","value":"filter"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"orderBy"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"field"},"value":{"kind":"EnumValue","value":"KEY"}},{"kind":"ObjectField","name":{"kind":"Name","value":"direction"},"value":{"kind":"EnumValue","value":"ASC"}}]}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ArtifactFields"}}]}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ArtifactFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Artifact"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"uid"}},{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"suffix"}},{"kind":"Field","name":{"kind":"Name","value":"size"}},{"kind":"Field","name":{"kind":"Name","value":"hash"}},{"kind":"Field","name":{"kind":"Name","value":"hashType"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"isLatest"}},{"kind":"Field","name":{"kind":"Name","value":"storageKey"}},{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"branch"}},{"kind":"Field","name":{"kind":"Name","value":"storageOngoing"}}]}}]} as unknown as DocumentNode<ArtifactsQuery, ArtifactsQueryVariables>;
export const RestoreArtifactDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RestoreArtifact"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"uid"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"restoreArtifact"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"uid"},"value":{"kind":"Variable","name":{"kind":"Name","value":"uid"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"ArtifactPayloadFields"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"code"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ArtifactFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Artifact"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"uid"}},{"kind":"Field","name":{"kind":"Name","value":"key"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"suffix"}},{"kind":"Field","name":{"kind":"Name","value":"size"}},{"kind":"Field","name":{"kind":"Name","value":"hash"}},{"kind":"Field","name":{"kind":"Name","value":"hashType"}},{"kind":"Field","name":{"kind":"Name","value":"version"}},{"kind":"Field","name":{"kind":"Name","value":"isLatest"}},{"kind":"Field","name":{"kind":"Name","value":"storageKey"}},{"kind":"Field","name":{"kind":"Name","value":"path"}},{"kind":"Field","name":{"kind":"Name","value":"branch"}},{"kind":"Field","name":{"kind":"Name","value":"storageOngoing"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ArtifactPayloadFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ArtifactPayload"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"created"}},{"kind":"Field","name":{"kind":"Name","value":"warnings"}},{"kind":"Field","name":{"kind":"Name","value":"artifact"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ArtifactFields"}}]}}]}}]} as unknown as DocumentNode<RestoreArtifactMutation, RestoreArtifactMutationVariables>;