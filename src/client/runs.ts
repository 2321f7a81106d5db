// Transforms and runs through the SDK, for lineage: which run made or read which artifact.
import type { GraphQLClient } from 'graphql-request';
import {
  type CreateTransformInput,
  CreateTransformDocument,
  DeleteRunDocument,
  DeleteTransformDocument,
  FinishRunDocument,
  type FinishedRunStatus,
  MarkInputsDocument,
  type RunFieldsFragment,
  StartRunDocument,
  UpdateTransformDocument,
  type UpdateTransformInput,
} from './generated/graphql';
import { unwrap } from './results';

export type ClientRun = RunFieldsFragment;

export class RunsClient {
  constructor(private readonly graphql: GraphQLClient) {}

  /** Same key and source: the existing transform; new source: its next version. */
  async createTransform(input: CreateTransformInput) {
    const { createTransform } = await this.graphql.request(CreateTransformDocument, { input });
    return unwrap(createTransform, 'TransformPayload');
  }

  /** Deletes a run for good (refused with RUN_IN_USE while artifacts it created exist). */
  async deleteRun(uid: string) {
    const { deleteRun } = await this.graphql.request(DeleteRunDocument, { input: { uid } });
    return unwrap(deleteRun, 'DeleteRunPayload');
  }

  /** Deletes a transform version and its runs for good (refused with TRANSFORM_IN_USE while its runs created artifacts). */
  async deleteTransform(uid: string) {
    const { deleteTransform } = await this.graphql.request(DeleteTransformDocument, { input: { uid } });
    return unwrap(deleteTransform, 'DeleteTransformPayload');
  }

  /** Edits a transform's description or version tag. */
  async updateTransform(input: UpdateTransformInput) {
    const { updateTransform } = await this.graphql.request(UpdateTransformDocument, { input });
    return unwrap(updateTransform, 'TransformPayload').transform;
  }

  /** A new run of the transform: STARTED, or SCHEDULED with `scheduled` (start it later with `startScheduled`). */
  async start(
    transformUid: string,
    options: { params?: Record<string, unknown>; reference?: string; scheduled?: boolean; environmentUid?: string } = {},
  ): Promise<ClientRun> {
    const { startRun } = await this.graphql.request(StartRunDocument, { input: { transformUid, ...options } });
    return unwrap(startRun, 'StartRunPayload').run;
  }

  /** Starts a SCHEDULED run. */
  async startScheduled(runUid: string, options: { environmentUid?: string } = {}): Promise<ClientRun> {
    const { startRun } = await this.graphql.request(StartRunDocument, { input: { runUid, ...options } });
    return unwrap(startRun, 'StartRunPayload').run;
  }

  /** Finishes a run; LaminDB's finish also records the run's report and environment artifacts. */
  async finish(runUid: string, status: FinishedRunStatus = 'COMPLETED', artifacts: { reportUid?: string; environmentUid?: string } = {}): Promise<ClientRun> {
    const { finishRun } = await this.graphql.request(FinishRunDocument, { input: { runUid, status, ...artifacts } });
    return unwrap(finishRun, 'FinishRunPayload').run;
  }

  /** Records that the run read these artifacts (ones it created itself are skipped) and collections; answers its
   * artifact inputs (first 100). */
  async markInputs(runUid: string, artifactUids: string[], collectionUids: string[] = []) {
    const { markInputs } = await this.graphql.request(MarkInputsDocument, { input: { runUid, artifactUids, collectionUids } });
    const { recorded, run } = unwrap(markInputs, 'MarkInputsPayload');
    return { recorded, runUid: run.uid, inputs: run.inputArtifacts.edges.map((edge) => edge.node), totalInputs: run.inputArtifacts.totalCount };
  }
}
