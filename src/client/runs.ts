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
  RestoreRunDocument,
  RestoreTransformDocument,
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

  /** To the trash, or with `permanent` for good (refused with RUN_IN_USE while artifacts or collections it created exist). */
  async deleteRun(uid: string, options: { permanent?: boolean } = {}) {
    const { deleteRun } = await this.graphql.request(DeleteRunDocument, { input: { uid, permanent: options.permanent } });
    return unwrap(deleteRun, 'DeleteRunPayload');
  }

  async restoreRun(uid: string): Promise<ClientRun> {
    const { restoreRun } = await this.graphql.request(RestoreRunDocument, { input: { uid } });
    return unwrap(restoreRun, 'RestoreRunPayload').run;
  }

  /** To the trash, or with `permanent` for good with its runs (refused with TRANSFORM_IN_USE while its runs created
   * artifacts or collections). */
  async deleteTransform(uid: string, options: { permanent?: boolean } = {}) {
    const { deleteTransform } = await this.graphql.request(DeleteTransformDocument, { input: { uid, permanent: options.permanent } });
    return unwrap(deleteTransform, 'DeleteTransformPayload');
  }

  async restoreTransform(uid: string) {
    const { restoreTransform } = await this.graphql.request(RestoreTransformDocument, { input: { uid } });
    return unwrap(restoreTransform, 'TransformPayload').transform;
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
