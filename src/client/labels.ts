// Labels through the SDK: create (idempotent, with LaminDB's similar-name check), attach and detach.
import type { GraphQLClient } from 'graphql-request';
import {
  AddLabelsDocument,
  type ArtifactLabelsFragment,
  CreateULabelDocument,
  type CreateULabelMutation,
  DeleteULabelDocument,
  RemoveLabelsDocument,
  RestoreULabelDocument,
  UpdateULabelDocument,
  type UpdateULabelInput,
  type ULabelFieldsFragment,
  type ULabelInput,
} from './generated/graphql';
import { unwrap } from './results';

export type ClientLabel = ULabelFieldsFragment;

type CreateULabelResult = CreateULabelMutation['createULabel'];
/** A created or existing label, or the similar labels found instead (nothing was created: the caller decides). */
export type LabelCreation =
  | Extract<CreateULabelResult, { __typename: 'ULabelPayload' }>
  | Extract<CreateULabelResult, { __typename: 'SimilarNames' }>;

export class LabelsClient {
  constructor(private readonly graphql: GraphQLClient) {}

  /** `searchNames: false` creates the label even when similar names exist. */
  async create(label: ULabelInput, options: { searchNames?: boolean } = {}): Promise<LabelCreation> {
    const { createULabel } = await this.graphql.request(CreateULabelDocument, { input: { label, searchNames: options.searchNames } });
    if (createULabel.__typename === 'SimilarNames') return createULabel;
    return unwrap(createULabel, 'ULabelPayload');
  }

  /** Attaches labels; answers the artifact with its labels (the first 100). */
  async add(artifactUid: string, labelUids: string[]): Promise<LabelledArtifact> {
    const { addLabels } = await this.graphql.request(AddLabelsDocument, { input: { artifactUid, labelUids } });
    return withLabelList(unwrap(addLabels, 'AddLabelsPayload').artifact);
  }

  async remove(artifactUid: string, labelUids: string[]): Promise<LabelledArtifact> {
    const { removeLabels } = await this.graphql.request(RemoveLabelsDocument, { input: { artifactUid, labelUids } });
    return withLabelList(unwrap(removeLabels, 'RemoveLabelsPayload').artifact);
  }

  /** To the trash, or with `permanent` for good (refused with LABEL_IN_USE while artifacts carry it). */
  async delete(uid: string, options: { permanent?: boolean } = {}): Promise<{ uid: string; deletedId?: string | null }> {
    const { deleteULabel } = await this.graphql.request(DeleteULabelDocument, { input: { uid, permanent: options.permanent } });
    return unwrap(deleteULabel, 'DeleteULabelPayload');
  }

  /** Renames a label (unique within its type) or edits its description and reference; null clears a field. */
  async update(input: UpdateULabelInput): Promise<ClientLabel> {
    const { updateULabel } = await this.graphql.request(UpdateULabelDocument, { input });
    return unwrap(updateULabel, 'ULabelPayload').ulabel;
  }

  async restore(uid: string): Promise<ClientLabel> {
    const { restoreULabel } = await this.graphql.request(RestoreULabelDocument, { input: { uid } });
    return unwrap(restoreULabel, 'ULabelPayload').ulabel;
  }
}

export interface LabelledArtifact {
  uid: string;
  labels: { uid: string; name: string }[];
  totalLabels: number;
}

function withLabelList(artifact: ArtifactLabelsFragment): LabelledArtifact {
  return { uid: artifact.uid, labels: artifact.labels.edges.map((edge) => edge.node), totalLabels: artifact.labels.totalCount };
}
