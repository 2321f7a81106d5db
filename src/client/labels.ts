// Labels through the SDK: create (idempotent, with LaminDB's similar-name check), attach and detach.
import type { GraphQLClient } from 'graphql-request';
import {
  AddLabelsDocument,
  CreateULabelDocument,
  type CreateULabelMutation,
  RemoveLabelsDocument,
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
  async create(input: ULabelInput, options: { searchNames?: boolean } = {}): Promise<LabelCreation> {
    const { createULabel } = await this.graphql.request(CreateULabelDocument, { input, searchNames: options.searchNames });
    if (createULabel.__typename === 'SimilarNames') return createULabel;
    return unwrap(createULabel, 'ULabelPayload');
  }

  async add(artifactUid: string, labelUids: string[]) {
    const { addLabels } = await this.graphql.request(AddLabelsDocument, { artifactUid, labelUids });
    return unwrap(addLabels, 'Artifact');
  }

  async remove(artifactUid: string, labelUids: string[]) {
    const { removeLabels } = await this.graphql.request(RemoveLabelsDocument, { artifactUid, labelUids });
    return unwrap(removeLabels, 'Artifact');
  }
}
