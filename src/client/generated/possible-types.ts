
      export type PossibleTypesResultData = {
  "possibleTypes": {
    "AddLabelsResult": [
      "AddLabelsPayload",
      "NotFound"
    ],
    "AddUploadFilesResult": [
      "AddUploadFilesPayload",
      "InvalidInput",
      "NotFound"
    ],
    "CompleteUploadResult": [
      "CompleteUploadPayload",
      "InvalidInput",
      "NotFound",
      "StorageFailed"
    ],
    "CreateApiTokenResult": [
      "CreateApiTokenPayload",
      "InvalidInput"
    ],
    "CreateArtifactResult": [
      "ArtifactPayload",
      "FileExists",
      "HashExists",
      "InvalidInput",
      "KeyOccupied",
      "LeaseLost",
      "NotFound",
      "StorageBusy",
      "StorageFailed",
      "VersionTagTaken"
    ],
    "CreateCollectionResult": [
      "CollectionPayload",
      "InvalidInput",
      "NotFound",
      "VersionTagTaken"
    ],
    "CreateTransformResult": [
      "InvalidInput",
      "TransformPayload",
      "VersionTagTaken"
    ],
    "CreateULabelResult": [
      "InvalidInput",
      "NotFound",
      "SimilarNames",
      "ULabelPayload"
    ],
    "CreateULabelsResult": [
      "CreateULabelsPayload",
      "InvalidInput"
    ],
    "CreateUploadResult": [
      "CreateUploadPayload",
      "InvalidInput"
    ],
    "DeleteArtifactResult": [
      "DeleteArtifactPayload",
      "InvalidInput",
      "LeaseLost",
      "NotFound",
      "RecordInUse",
      "StorageBusy",
      "StorageFailed"
    ],
    "DeleteCollectionResult": [
      "DeleteCollectionPayload",
      "NotFound"
    ],
    "DeleteRunResult": [
      "DeleteRunPayload",
      "NotFound",
      "RecordInUse"
    ],
    "DeleteStorageResult": [
      "DeleteStoragePayload",
      "NotFound",
      "StorageInUse"
    ],
    "DeleteTransformResult": [
      "DeleteTransformPayload",
      "NotFound",
      "RecordInUse"
    ],
    "DeleteULabelResult": [
      "DeleteULabelPayload",
      "NotFound",
      "RecordInUse"
    ],
    "Error": [
      "BulkSaveFailed",
      "FileExists",
      "HashExists",
      "InvalidInput",
      "KeyOccupied",
      "LeaseLost",
      "NotFound",
      "OperationError",
      "RecordInUse",
      "SimilarNames",
      "StorageBusy",
      "StorageFailed",
      "StorageInUse",
      "VersionTagTaken"
    ],
    "FinishRunResult": [
      "FinishRunPayload",
      "InvalidInput",
      "NotFound"
    ],
    "MarkInputsResult": [
      "MarkInputsPayload",
      "NotFound"
    ],
    "MoveArtifactResult": [
      "ArtifactPayload",
      "FileExists",
      "HashExists",
      "InvalidInput",
      "KeyOccupied",
      "LeaseLost",
      "NotFound",
      "StorageBusy",
      "StorageFailed",
      "VersionTagTaken"
    ],
    "Node": [
      "Artifact",
      "Collection",
      "Run",
      "Storage",
      "Transform",
      "ULabel",
      "User"
    ],
    "ReadArtifactResult": [
      "InvalidInput",
      "NotFound",
      "ReadArtifactPayload"
    ],
    "RegisterStorageResult": [
      "InvalidInput",
      "RegisterStoragePayload"
    ],
    "RemoveLabelsResult": [
      "NotFound",
      "RemoveLabelsPayload"
    ],
    "RepairResult": [
      "InvalidInput",
      "RepairPayload"
    ],
    "ReplaceArtifactResult": [
      "ArtifactPayload",
      "FileExists",
      "HashExists",
      "InvalidInput",
      "KeyOccupied",
      "LeaseLost",
      "NotFound",
      "StorageBusy",
      "StorageFailed",
      "VersionTagTaken"
    ],
    "RestoreArtifactResult": [
      "ArtifactPayload",
      "NotFound"
    ],
    "RestoreCollectionResult": [
      "CollectionPayload",
      "NotFound"
    ],
    "RestoreRunResult": [
      "NotFound",
      "RestoreRunPayload"
    ],
    "RestoreTransformResult": [
      "NotFound",
      "TransformPayload"
    ],
    "RestoreULabelResult": [
      "NotFound",
      "ULabelPayload"
    ],
    "RevokeApiTokenResult": [
      "NotFound",
      "RevokeApiTokenPayload"
    ],
    "SaveArtifactsResult": [
      "BulkSaveFailed",
      "FileExists",
      "HashExists",
      "InvalidInput",
      "KeyOccupied",
      "LeaseLost",
      "NotFound",
      "SaveArtifactsPayload",
      "StorageBusy",
      "StorageFailed",
      "VersionTagTaken"
    ],
    "SetDefaultStorageResult": [
      "NotFound",
      "SetDefaultStoragePayload"
    ],
    "StartRunResult": [
      "InvalidInput",
      "NotFound",
      "StartRunPayload"
    ],
    "ULabelBulkResult": [
      "SimilarNames",
      "ULabelPayload"
    ],
    "UpdateArtifactResult": [
      "ArtifactPayload",
      "FileExists",
      "HashExists",
      "InvalidInput",
      "KeyOccupied",
      "LeaseLost",
      "NotFound",
      "StorageBusy",
      "StorageFailed",
      "VersionTagTaken"
    ],
    "UpdateCollectionResult": [
      "CollectionPayload",
      "InvalidInput",
      "NotFound",
      "VersionTagTaken"
    ],
    "UpdateTransformResult": [
      "NotFound",
      "TransformPayload",
      "VersionTagTaken"
    ],
    "UpdateULabelResult": [
      "InvalidInput",
      "NotFound",
      "ULabelPayload"
    ]
  }
};
      const result: PossibleTypesResultData = {
  "possibleTypes": {
    "AddLabelsResult": [
      "AddLabelsPayload",
      "NotFound"
    ],
    "AddUploadFilesResult": [
      "AddUploadFilesPayload",
      "InvalidInput",
      "NotFound"
    ],
    "CompleteUploadResult": [
      "CompleteUploadPayload",
      "InvalidInput",
      "NotFound",
      "StorageFailed"
    ],
    "CreateApiTokenResult": [
      "CreateApiTokenPayload",
      "InvalidInput"
    ],
    "CreateArtifactResult": [
      "ArtifactPayload",
      "FileExists",
      "HashExists",
      "InvalidInput",
      "KeyOccupied",
      "LeaseLost",
      "NotFound",
      "StorageBusy",
      "StorageFailed",
      "VersionTagTaken"
    ],
    "CreateCollectionResult": [
      "CollectionPayload",
      "InvalidInput",
      "NotFound",
      "VersionTagTaken"
    ],
    "CreateTransformResult": [
      "InvalidInput",
      "TransformPayload",
      "VersionTagTaken"
    ],
    "CreateULabelResult": [
      "InvalidInput",
      "NotFound",
      "SimilarNames",
      "ULabelPayload"
    ],
    "CreateULabelsResult": [
      "CreateULabelsPayload",
      "InvalidInput"
    ],
    "CreateUploadResult": [
      "CreateUploadPayload",
      "InvalidInput"
    ],
    "DeleteArtifactResult": [
      "DeleteArtifactPayload",
      "InvalidInput",
      "LeaseLost",
      "NotFound",
      "RecordInUse",
      "StorageBusy",
      "StorageFailed"
    ],
    "DeleteCollectionResult": [
      "DeleteCollectionPayload",
      "NotFound"
    ],
    "DeleteRunResult": [
      "DeleteRunPayload",
      "NotFound",
      "RecordInUse"
    ],
    "DeleteStorageResult": [
      "DeleteStoragePayload",
      "NotFound",
      "StorageInUse"
    ],
    "DeleteTransformResult": [
      "DeleteTransformPayload",
      "NotFound",
      "RecordInUse"
    ],
    "DeleteULabelResult": [
      "DeleteULabelPayload",
      "NotFound",
      "RecordInUse"
    ],
    "Error": [
      "BulkSaveFailed",
      "FileExists",
      "HashExists",
      "InvalidInput",
      "KeyOccupied",
      "LeaseLost",
      "NotFound",
      "OperationError",
      "RecordInUse",
      "SimilarNames",
      "StorageBusy",
      "StorageFailed",
      "StorageInUse",
      "VersionTagTaken"
    ],
    "FinishRunResult": [
      "FinishRunPayload",
      "InvalidInput",
      "NotFound"
    ],
    "MarkInputsResult": [
      "MarkInputsPayload",
      "NotFound"
    ],
    "MoveArtifactResult": [
      "ArtifactPayload",
      "FileExists",
      "HashExists",
      "InvalidInput",
      "KeyOccupied",
      "LeaseLost",
      "NotFound",
      "StorageBusy",
      "StorageFailed",
      "VersionTagTaken"
    ],
    "Node": [
      "Artifact",
      "Collection",
      "Run",
      "Storage",
      "Transform",
      "ULabel",
      "User"
    ],
    "ReadArtifactResult": [
      "InvalidInput",
      "NotFound",
      "ReadArtifactPayload"
    ],
    "RegisterStorageResult": [
      "InvalidInput",
      "RegisterStoragePayload"
    ],
    "RemoveLabelsResult": [
      "NotFound",
      "RemoveLabelsPayload"
    ],
    "RepairResult": [
      "InvalidInput",
      "RepairPayload"
    ],
    "ReplaceArtifactResult": [
      "ArtifactPayload",
      "FileExists",
      "HashExists",
      "InvalidInput",
      "KeyOccupied",
      "LeaseLost",
      "NotFound",
      "StorageBusy",
      "StorageFailed",
      "VersionTagTaken"
    ],
    "RestoreArtifactResult": [
      "ArtifactPayload",
      "NotFound"
    ],
    "RestoreCollectionResult": [
      "CollectionPayload",
      "NotFound"
    ],
    "RestoreRunResult": [
      "NotFound",
      "RestoreRunPayload"
    ],
    "RestoreTransformResult": [
      "NotFound",
      "TransformPayload"
    ],
    "RestoreULabelResult": [
      "NotFound",
      "ULabelPayload"
    ],
    "RevokeApiTokenResult": [
      "NotFound",
      "RevokeApiTokenPayload"
    ],
    "SaveArtifactsResult": [
      "BulkSaveFailed",
      "FileExists",
      "HashExists",
      "InvalidInput",
      "KeyOccupied",
      "LeaseLost",
      "NotFound",
      "SaveArtifactsPayload",
      "StorageBusy",
      "StorageFailed",
      "VersionTagTaken"
    ],
    "SetDefaultStorageResult": [
      "NotFound",
      "SetDefaultStoragePayload"
    ],
    "StartRunResult": [
      "InvalidInput",
      "NotFound",
      "StartRunPayload"
    ],
    "ULabelBulkResult": [
      "SimilarNames",
      "ULabelPayload"
    ],
    "UpdateArtifactResult": [
      "ArtifactPayload",
      "FileExists",
      "HashExists",
      "InvalidInput",
      "KeyOccupied",
      "LeaseLost",
      "NotFound",
      "StorageBusy",
      "StorageFailed",
      "VersionTagTaken"
    ],
    "UpdateCollectionResult": [
      "CollectionPayload",
      "InvalidInput",
      "NotFound",
      "VersionTagTaken"
    ],
    "UpdateTransformResult": [
      "NotFound",
      "TransformPayload",
      "VersionTagTaken"
    ],
    "UpdateULabelResult": [
      "InvalidInput",
      "NotFound",
      "ULabelPayload"
    ]
  }
};
      export default result;
    