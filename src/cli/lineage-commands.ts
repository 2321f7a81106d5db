// `trove label ...`, `trove transform ...` and `trove run ...`: what a shell pipeline needs to record lineage.
import { readFile } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import type { TroveClient } from '../client/trove-client';

export interface CliContext {
  client(): TroveClient;
  output(line: string): void;
  asJson(): boolean;
}

export function addLabelCommands(program: Command, { client, output, asJson }: CliContext): void {
  const label = program.command('label').description('labels (ULabels): create, attach to and detach from artifacts');
  label
    .command('create <name>')
    .description('create a label, or return the one with this exact name; similar names are listed instead (exit code 2)')
    .option('--description <text>')
    .option('--type <uid>', 'the label type it belongs to')
    .option('--is-type', 'this label is a type that groups child labels')
    .option('--reference <id>', 'an identifier in another system, e.g. an ontology id')
    .option('--run <uid>', 'the run creating this label')
    .option('--no-search', 'create it even when similar names exist')
    .action(async (name: string, options: { description?: string; type?: string; isType?: boolean; reference?: string; run?: string; search: boolean }) => {
      const result = await client().labels.create(
        { name, description: options.description, typeUid: options.type, isType: options.isType, reference: options.reference, runUid: options.run },
        { searchNames: options.search ? undefined : false },
      );
      if (result.__typename === 'SimilarNames') {
        process.exitCode = 2;
        if (asJson()) return output(JSON.stringify(result));
        output(`similar names exist; nothing was created. Use one of these, or pass --no-search to create "${result.requestedName}":`);
        for (const { score, ulabel } of result.similar) output(`  ${ulabel.uid}  ${ulabel.name}  (similarity ${score.toFixed(2)})`);
        return;
      }
      output(asJson() ? JSON.stringify(result) : `${result.created ? 'created' : 'existing'}: ${result.ulabel.uid}  ${result.ulabel.name}`);
    });
  label
    .command('add <artifactUid> <labelUids...>')
    .description('label an artifact (labels it has already are kept)')
    .action(async (artifactUid: string, labelUids: string[]) => {
      const artifact = await client().labels.add(artifactUid, labelUids);
      output(asJson() ? JSON.stringify(artifact) : `${artifact.uid}: ${artifact.labels.map((item) => item.name).join(', ')}`);
    });
  label
    .command('remove <artifactUid> <labelUids...>')
    .description('take labels off an artifact')
    .action(async (artifactUid: string, labelUids: string[]) => {
      const artifact = await client().labels.remove(artifactUid, labelUids);
      output(asJson() ? JSON.stringify(artifact) : `${artifact.uid}: ${artifact.labels.map((item) => item.name).join(', ') || '(no labels)'}`);
    });
  label
    .command('update <uid>')
    .description('rename a label or edit its description (an empty value clears it)')
    .option('--name <name>', 'unique within the label type')
    .option('--description <text>')
    .action(async (uid: string, options: { name?: string; description?: string }) => {
      const description = options.description === undefined ? undefined : options.description || null;
      const updated = await client().labels.update({ uid, name: options.name, description });
      output(asJson() ? JSON.stringify(updated) : `updated: ${updated.uid} ${updated.name}`);
    });
  label
    .command('delete <uid>')
    .description('move a label to the trash; --permanent deletes it (refused while artifacts carry it)')
    .option('--permanent', 'delete the record instead of trashing it')
    .action(async (uid: string, options: { permanent?: boolean }) => {
      const deleted = await client().labels.delete(uid, { permanent: options.permanent });
      output(asJson() ? JSON.stringify(deleted) : `${options.permanent ? 'deleted' : 'trashed'}: ${deleted.uid}`);
    });
  label
    .command('restore <uid>')
    .description('bring a label back from the trash')
    .action(async (uid: string) => {
      const restored = await client().labels.restore(uid);
      output(asJson() ? JSON.stringify(restored) : `restored: ${restored.uid} ${restored.name}`);
    });
}

export function addRunCommands(program: Command, { client, output, asJson }: CliContext): void {
  const transform = program.command('transform').description('transforms: register (the default: `trove transform <key>`), update, delete');
  transform
    .command('create <key>', { isDefault: true })
    .description('register a transform (script, notebook, pipeline, function); same key and source return the existing one, new source makes a new version; prints its uid')
    .addOption(new Option('--kind <kind>', 'default SCRIPT, or the kind of the transform given to --revises').choices(['PIPELINE', 'NOTEBOOK', 'SCRIPT', 'FUNCTION']))
    .option('--source <file>', 'its source code (hashed to tell versions apart)')
    .option('--version-tag <tag>')
    .option('--description <text>')
    .option('--revises <uid>', "a new version of this transform's family, e.g. under a new key after a rename")
    .action(async (key: string, options: { kind?: 'PIPELINE' | 'NOTEBOOK' | 'SCRIPT' | 'FUNCTION'; source?: string; versionTag?: string; description?: string; revises?: string }) => {
      const sourceCode = options.source ? await readFile(options.source, 'utf8') : undefined;
      const kind = options.kind ?? (options.revises ? undefined : 'SCRIPT');
      const result = await client().runs.createTransform({ key, kind, sourceCode, versionTag: options.versionTag, description: options.description, revisesUid: options.revises });
      output(asJson() ? JSON.stringify(result) : result.transform.uid);
    });
  transform
    .command('update <uid>')
    .description("edit a transform's description or version tag (an empty value clears it)")
    .option('--description <text>')
    .option('--version-tag <tag>', 'unique among the versions of the transform')
    .action(async (uid: string, options: { description?: string; versionTag?: string }) => {
      const clear = (value: string | undefined) => (value === undefined ? undefined : value || null);
      const updated = await client().runs.updateTransform({ uid, description: clear(options.description), versionTag: clear(options.versionTag) });
      output(asJson() ? JSON.stringify(updated) : `updated: ${updated.uid}  ${updated.key}`);
    });
  transform
    .command('delete <uid>')
    .description('move a transform version to the trash; --permanent deletes it with its runs (refused while they created artifacts or collections)')
    .option('--permanent', 'delete the record instead of trashing it')
    .action(async (uid: string, options: { permanent?: boolean }) => {
      const deleted = await client().runs.deleteTransform(uid, { permanent: options.permanent });
      output(asJson() ? JSON.stringify(deleted) : `${options.permanent ? 'deleted' : 'trashed'}: ${deleted.uid}`);
    });
  transform
    .command('restore <uid>')
    .description('bring a transform version back from the trash')
    .action(async (uid: string) => {
      const restored = await client().runs.restoreTransform(uid);
      output(asJson() ? JSON.stringify(restored) : `restored: ${restored.uid}  ${restored.key}`);
    });

  const run = program.command('run').description('runs of a transform: start, finish, record inputs');
  run
    .command('start <transformUid>')
    .description('start a run (status STARTED); prints its uid, for `save --run` and `get --run`')
    .option('--params <json>', 'parameters as a JSON object')
    .option('--reference <text>', 'e.g. a CI job id')
    .option('--environment <artifactUid>', "the run's environment, e.g. a saved requirements.txt")
    .option('--scheduled', 'create it as SCHEDULED instead (LaminDB); `run begin <runUid>` starts it')
    .action(async (transformUid: string, options: { params?: string; reference?: string; environment?: string; scheduled?: boolean }) => {
      const params = options.params ? parseJson(options.params) : undefined;
      const started = await client().runs.start(transformUid, { params, reference: options.reference, environmentUid: options.environment, scheduled: options.scheduled });
      output(asJson() ? JSON.stringify(started) : started.uid);
    });
  run
    .command('begin <runUid>')
    .description('start a SCHEDULED run')
    .option('--environment <artifactUid>', "the run's environment, e.g. a saved requirements.txt")
    .action(async (runUid: string, options: { environment?: string }) => {
      const started = await client().runs.startScheduled(runUid, { environmentUid: options.environment });
      output(asJson() ? JSON.stringify(started) : `${started.uid} ${started.status.toLowerCase()} at ${started.startedAt}`);
    });
  run
    .command('finish <uid>')
    .description('finish a run (scheduled or started)')
    .addOption(new Option('--status <status>').choices(['COMPLETED', 'ERRORED', 'ABORTED']).default('COMPLETED'))
    .option('--report <artifactUid>', "the run's report, e.g. a rendered notebook")
    .option('--environment <artifactUid>', "the run's environment, e.g. a saved requirements.txt")
    .action(async (uid: string, options: { status: 'COMPLETED' | 'ERRORED' | 'ABORTED'; report?: string; environment?: string }) => {
      const finished = await client().runs.finish(uid, options.status, { reportUid: options.report, environmentUid: options.environment });
      output(asJson() ? JSON.stringify(finished) : `${finished.uid} ${finished.status.toLowerCase()} at ${finished.finishedAt}`);
    });
  run
    .command('delete <runUid>')
    .description('move a run to the trash; --permanent deletes it (refused while artifacts or collections it created exist)')
    .option('--permanent', 'delete the record instead of trashing it')
    .action(async (runUid: string, options: { permanent?: boolean }) => {
      const deleted = await client().runs.deleteRun(runUid, { permanent: options.permanent });
      output(asJson() ? JSON.stringify(deleted) : `${options.permanent ? 'deleted' : 'trashed'}: ${deleted.uid}`);
    });
  run
    .command('restore <runUid>')
    .description('bring a run back from the trash')
    .action(async (runUid: string) => {
      const restored = await client().runs.restoreRun(runUid);
      output(asJson() ? JSON.stringify(restored) : `restored: ${restored.uid}`);
    });
  run
    .command('inputs <runUid> <artifactUids...>')
    .description('record artifacts the run read (ones it created are skipped)')
    .action(async (runUid: string, artifactUids: string[]) => {
      const updated = await client().runs.markInputs(runUid, artifactUids);
      output(asJson() ? JSON.stringify(updated) : `${updated.runUid} inputs: ${updated.inputs.map((artifact) => artifact.uid).join(' ')}`);
    });
}

function parseJson(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`--params is not valid JSON: ${text}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error(`--params must be a JSON object, e.g. '{"batch": 3}': ${text}`);
  return value as Record<string, unknown>;
}
