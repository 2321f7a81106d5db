// saveArtifacts: every input is validated before anything is stored (one invalid input saves nothing). When a
// later upload fails, the artifacts saved before it stay and are listed, as in LaminDB; with `atomic`, they are
// removed again: their rows, and the objects Trove wrote for them (never a file registered in place).
import { BulkSaveFailedError, TroveError } from '../errors';
import { deleteArtifact } from './delete';
import { type PreparedSave, prepareSave, type SaveArtifactInput, validateSaveInput } from './prepare';
import { savePrepared, type SaveResult } from './save';
import type { ArtifactServices } from './services';

export async function saveArtifacts(
  services: ArtifactServices,
  inputs: SaveArtifactInput[],
  options: { atomic?: boolean } = {},
): Promise<SaveResult[]> {
  // Checks that need no database first, so a bad input anywhere is refused before any lookup.
  inputs.forEach((input, index) => validateSaveInput(input, services.config.maxUploadBytes, `input.artifacts.${index}`));
  const storages = await services.db.storage.findMany();
  const prepared: PreparedSave[] = [];
  for (const [index, input] of inputs.entries()) prepared.push(await prepareSave(services, input, `input.artifacts.${index}`, storages));

  const outcomes: SaveResult[] = [];
  for (const [index, item] of prepared.entries()) {
    try {
      outcomes.push(await savePrepared(services, item));
    } catch (error) {
      const reason = error instanceof TroveError ? error : new TroveError('INTERNAL', (error as Error).message);
      if (options.atomic) {
        for (const outcome of outcomes.filter((saved) => saved.created).reverse()) {
          await deleteArtifact(services, { uid: outcome.artifact.uid, permanent: true, deleteStorage: outcome.wroteObject });
        }
        throw new BulkSaveFailedError(index, reason, [], true);
      }
      throw new BulkSaveFailedError(index, reason, outcomes.map((outcome) => outcome.artifact.uid), false);
    }
  }
  return outcomes;
}
