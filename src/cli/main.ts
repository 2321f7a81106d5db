// The `trove` command line, built on the client SDK.
import { Command, Option } from 'commander';
import packageJson from '../../package.json' with { type: 'json' };
import { type ClientArtifact, TroveClient } from '../client/trove-client';
import { asClientError } from '../client/results';
import { addCollectionCommands } from './collection-commands';
import { addLabelCommands, addRunCommands } from './lineage-commands';
import { progressBar } from './progress';
import { addTokenCommands } from './token-commands';

function describeArtifact(artifact: ClientArtifact): string {
  return `${artifact.uid}  ${artifact.key ?? artifact.description ?? ''}  ${artifact.size ?? '?'} bytes  ${artifact.hashType}:${artifact.hash}`;
}

function folderNote(artifact: ClientArtifact): string {
  return artifact.nFiles !== null && artifact.nFiles !== undefined ? `  (folder of ${artifact.nFiles} files)` : '';
}

function identifierOf(uidOrKey: string): { uid?: string; key?: string } {
  return /^[0-9A-Za-z]{20}$/.test(uidOrKey) ? { uid: uidOrKey } : { key: uidOrKey };
}

export function buildCli(output: (line: string) => void = console.log): Command {
  const program = new Command('trove')
    .description('Command line for a Trove server')
    .version(packageJson.version, '-V, --version', 'print the version of trove')
    .option('--url <url>', 'Trove server URL', process.env.TROVE_URL ?? 'http://127.0.0.1:4000')
    .option('--json', 'print JSON instead of text')
    .option('--token <token>', 'API token (default: TROVE_TOKEN)', process.env.TROVE_TOKEN);
  const client = () => {
    const options = program.opts<{ url: string; token?: string }>();
    return new TroveClient(options.url, { token: options.token });
  };
  const asJson = () => program.opts<{ json?: boolean }>().json === true;

  program
    .command('serve')
    .description('run a Trove server here, with the same settings as `npm start` (environment variables; see the README)')
    .option('--port <port>', 'port to listen on (default: PORT or 4000)')
    .option('--host <host>', 'address to listen on (default: HOST or 127.0.0.1)')
    .option('--data-dir <dir>', 'embedded database and local storage (default: TROVE_DATA_DIR or ./.trove)')
    .action(async (options: { port?: string; host?: string; dataDir?: string }) => {
      const { serve } = await import('../serve');
      const flags = { PORT: options.port, HOST: options.host, TROVE_DATA_DIR: options.dataDir };
      await serve({ ...process.env, ...Object.fromEntries(Object.entries(flags).filter(([, value]) => value !== undefined)) });
    });

  program
    .command('health')
    .description('check the server, its database and its default storage')
    .action(async () => {
      const health = await client().health();
      output(asJson() ? JSON.stringify(health) : `database: ${health.database}\nstorage: ${health.storage}`);
      if (!health.ok) process.exitCode = 1;
    });

  const storage = program.command('storage').description('storage locations');
  storage
    .command('list')
    .description('list registered storages')
    .action(async () => {
      const storages = await client().storages();
      if (asJson()) return output(JSON.stringify(storages));
      for (const item of storages) output(`${item.uid}  ${item.type.padEnd(5)}  ${item.root}${item.isDefault ? '  (default)' : ''}`);
    });
  storage
    .command('add <root>')
    .description('register a local folder (absolute path) or s3://bucket/prefix')
    .option('--description <text>')
    .option('--region <region>')
    .action(async (root: string, options: { description?: string; region?: string }) => {
      const result = await client().registerStorage({ root, description: options.description, region: options.region });
      output(asJson() ? JSON.stringify(result) : `${result.created ? 'registered' : 'already registered'}: ${result.storage.uid}  ${result.storage.root}`);
    });

  storage
    .command('default <uid>')
    .description('make a registered storage the default for saves without --storage (admin; lasts unless TROVE_STORAGE is set)')
    .action(async (uid: string) => {
      const chosen = await client().setDefaultStorage(uid);
      output(asJson() ? JSON.stringify(chosen) : `default: ${chosen.uid}  ${chosen.root}`);
    });

  storage
    .command('delete <uid>')
    .description('unregister a storage that holds no artifact, trash included (admin); objects in its root stay')
    .action(async (uid: string) => {
      const deleted = await client().deleteStorage(uid);
      output(asJson() ? JSON.stringify(deleted) : `deleted: ${deleted.uid}  ${deleted.root}`);
    });

  program
    .command('save <path>')
    .description('save a local file or folder as an artifact (streamed through an upload session, any size; a folder is one artifact, its files sent in parallel)')
    .option('--key <key>', 'key such as datasets/iris.csv')
    .option('--description <text>')
    .option('--storage <uid>', 'target storage uid (default storage otherwise)')
    .option('--run <uid>', 'the run creating this artifact')
    .option('--revises <uid>', 'make a new version of this artifact')
    .option('--version-tag <tag>')
    .option('--real-key', 'store the object at the key itself (default: virtual key under .lamindb/)')
    .addOption(new Option('--if-hash-exists <mode>', 'when the content exists already').choices(['RETURN_EXISTING', 'ERROR', 'CREATE_NEW']))
    .option('--resume <uploadId>', 'a folder: finish this interrupted upload of it, sending only the files it lacks')
    .action(async (file: string, options: Record<string, string | boolean | undefined>) => {
      const bar = progressBar('uploading', asJson());
      const result = await client()
        .saveFile(
          file,
          {
            key: options.key as string | undefined,
            description: (options.description as string | undefined) ?? (options.key ? undefined : file.split('/').pop()),
            storageUid: options.storage as string | undefined,
            runUid: options.run as string | undefined,
            revisesUid: options.revises as string | undefined,
            versionTag: options.versionTag as string | undefined,
            keyIsVirtual: options.realKey ? false : undefined,
            ifHashExists: options.ifHashExists as 'RETURN_EXISTING' | 'ERROR' | 'CREATE_NEW' | undefined,
          },
          { ...bar, resumeUploadId: options.resume as string | undefined },
        )
        .finally(() => bar.stop());
      if (asJson()) return output(JSON.stringify(result));
      for (const warning of result.warnings) console.error(`warning: ${warning}`);
      output(`${result.created ? 'saved' : 'existing'}: ${describeArtifact(result.artifact)}${folderNote(result.artifact)}`);
    });

  program
    .command('replace <uid> <path>')
    .description("replace an artifact's content with a local file, or a folder artifact's with a local folder (same uid; the old content is deleted once the new is in place)")
    .action(async (uid: string, file: string) => {
      const bar = progressBar('uploading', asJson());
      const result = await client()
        .replaceWithFile(uid, file, bar)
        .finally(() => bar.stop());
      if (asJson()) return output(JSON.stringify(result));
      for (const warning of result.warnings) console.error(`warning: ${warning}`);
      output(`replaced: ${describeArtifact(result.artifact)}${folderNote(result.artifact)}`);
    });

  program
    .command('register <location>')
    .description('register a file or a folder that is already inside a registered storage, in place (nothing is copied; its path is its key)')
    .option('--description <text>')
    .option('--run <uid>', 'the run creating this artifact')
    .action(async (location: string, options: { description?: string; run?: string }) => {
      const result = await client().createArtifact({ path: location, description: options.description, runUid: options.run });
      if (asJson()) return output(JSON.stringify(result));
      for (const warning of result.warnings) console.error(`warning: ${warning}`);
      const { artifact } = result;
      output(`${result.created ? 'registered' : 'existing'}: ${describeArtifact(artifact)}${folderNote(artifact)}`);
    });

  program
    .command('list [keyPrefix]')
    .alias('ls')
    .description('list artifacts, ordered by key (latest versions only, unless --all-versions or --trash)')
    .option('--trash', 'list the trash instead')
    .option('--all-versions', 'include earlier versions')
    .option('--suffix <suffix>', 'e.g. .csv')
    .option('--run <uid>', 'artifacts this run created')
    .option('--label <uid>', 'artifacts with this label')
    .option('--description <text>', 'artifacts whose description contains this (any case)')
    .action(async (keyPrefix: string | undefined, options: { trash?: boolean; allVersions?: boolean; suffix?: string; run?: string; label?: string; description?: string }) => {
      const filter = {
        keyPrefix,
        branch: options.trash ? ('TRASH' as const) : undefined,
        // Trashed artifacts are never the latest version, so the trash lists them all.
        isLatest: options.allVersions || options.trash ? undefined : true,
        suffix: options.suffix,
        runUid: options.run,
        labelUid: options.label,
        descriptionContains: options.description,
      };
      for await (const artifact of client().artifacts(filter)) output(asJson() ? JSON.stringify(artifact) : describeArtifact(artifact));
    });

  program
    .command('get <uidOrKey> [destination]')
    .description('download an artifact (by uid, or the latest version under a key); a folder artifact into a directory')
    .option('--run <uid>', 'record the artifact as an input of this run')
    .action(async (uidOrKey: string, destination: string | undefined, options: { run?: string }) => {
      const identifier = { ...identifierOf(uidOrKey), asInputOf: options.run };
      const target = destination ?? (identifier.key ? identifier.key.split('/').pop()! : uidOrKey);
      const bar = progressBar('downloading', asJson());
      const artifact = await client().download(identifier, target, bar).finally(() => bar.stop());
      output(asJson() ? JSON.stringify({ ...artifact, file: target }) : `downloaded ${artifact.uid} to ${target}`);
    });

  program
    .command('cache <uidOrKey>')
    .description('a local copy in the cache dir (TROVE_CACHE_DIR), downloaded only when missing or stale; prints its path')
    .option('--run <uid>', 'record the artifact as an input of this run')
    .action(async (uidOrKey: string, options: { run?: string }) => {
      const bar = progressBar('downloading', asJson());
      const local = await client().cache({ ...identifierOf(uidOrKey), asInputOf: options.run }, bar).finally(() => bar.stop());
      output(asJson() ? JSON.stringify({ path: local }) : local);
    });

  program
    .command('delete <uid>')
    .description('move an artifact to the trash, or delete it permanently')
    .option('--permanent', 'remove the record (and the object under an auto or virtual key)')
    .option('--delete-storage', 'with --permanent: also delete an object stored under a real key')
    .action(async (uid: string, options: { permanent?: boolean; deleteStorage?: boolean }) => {
      const result = await client().deleteArtifact({ uid, permanent: options.permanent ?? false, deleteStorage: options.deleteStorage ?? false });
      if (asJson()) return output(JSON.stringify(result));
      for (const warning of result.warnings) console.error(`warning: ${warning}`);
      output(options.permanent ? `deleted ${uid}${result.objectDeleted ? ' and its object' : ''}` : `moved ${uid} to the trash`);
    });

  program
    .command('move <uid> <storageUid>')
    .description("move an artifact's bytes to another storage (see `trove storage list`); same uid and key, the old copy is deleted")
    .action(async (uid: string, storageUid: string) => {
      const result = await client().moveArtifact(uid, storageUid);
      if (asJson()) return output(JSON.stringify(result));
      for (const warning of result.warnings.slice(1)) console.error(`warning: ${warning}`);
      output(`moved: ${describeArtifact(result.artifact)}  ${result.artifact.path}`);
    });

  program
    .command('restore <uid>')
    .description('bring an artifact back from the trash')
    .action(async (uid: string) => {
      const result = await client().restoreArtifact(uid);
      output(asJson() ? JSON.stringify(result) : `restored: ${describeArtifact(result.artifact)}`);
    });

  program
    .command('search <query>')
    .description('artifacts, labels, transforms and collections whose key, name or description contains words like the query, best first')
    .addOption(new Option('--type <type>', 'only this kind of record').choices(['ARTIFACT', 'ULABEL', 'TRANSFORM', 'COLLECTION']))
    .action(async (query: string, options: { type?: 'ARTIFACT' | 'ULABEL' | 'TRANSFORM' | 'COLLECTION' }) => {
      const hits = await client().search(query, { types: options.type ? [options.type] : undefined });
      for (const hit of hits) output(asJson() ? JSON.stringify(hit) : `${hit.type.padEnd(10)} ${hit.uid}  ${hit.score.toFixed(2)}  ${hit.field}: ${hit.text}`);
    });

  program
    .command('update <uid>')
    .description("change an artifact's key, description, kind or version tag (an empty value clears it); a real key moves its object")
    .option('--key <key>', 'a new key with the same suffix')
    .option('--description <text>')
    .option('--kind <kind>')
    .option('--version-tag <tag>')
    .action(async (uid: string, options: { key?: string; description?: string; kind?: string; versionTag?: string }) => {
      // An empty string clears a field; an option left out leaves it as it is.
      const change = (value: string | undefined) => (value === undefined ? undefined : value === '' ? null : value);
      const result = await client().updateArtifact({
        uid,
        key: change(options.key),
        description: change(options.description),
        kind: change(options.kind),
        versionTag: change(options.versionTag),
      });
      for (const warning of result.warnings) console.error(`warning: ${warning}`);
      output(asJson() ? JSON.stringify(result) : `updated: ${describeArtifact(result.artifact)}`);
    });

  addCollectionCommands(program, { client, output, asJson });
  addLabelCommands(program, { client, output, asJson });
  addRunCommands(program, { client, output, asJson });
  addTokenCommands(program, { client, output, asJson });

  program
    .command('doctor')
    .description('compare the database with the storages and report every disagreement (admin)')
    .option('--repair', 'finish or undo interrupted saves and delete unowned staged objects first (the recovery sweep)')
    .option('--deep', 're-hash every object (reads all bytes)')
    .option('--grace <seconds>', 'ignore work younger than this (default: the server setting)')
    .action(async (options: { repair?: boolean; deep?: boolean; grace?: string }) => {
      const graceSeconds = options.grace !== undefined ? Number(options.grace) : undefined;
      let repaired;
      if (options.repair) repaired = (await client().repair({ graceSeconds })).recovery;
      const report = await client().doctor({ deep: options.deep ?? false, graceSeconds });
      if (asJson()) output(JSON.stringify({ repaired, report }));
      else {
        if (repaired) output(`repair: ${repaired.finished.length} finished, ${repaired.undone.length} undone, ${repaired.objectsDeleted.length} objects deleted, ${repaired.errors.length} errors`);
        const sections = ['rowsWithoutObjects', 'objectsWithoutRows', 'sizeMismatches', 'hashMismatches', 'staleOngoing', 'staleOperations', 'unreachable'] as const;
        for (const section of sections) {
          for (const finding of report[section]) output(`${section}: ${finding.storage}/${finding.key}${finding.uid ? ` (${finding.uid})` : ''}: ${finding.detail}`);
        }
        output(report.clean ? 'clean: both stores agree' : 'NOT clean');
      }
      if (!report.clean) process.exitCode = 1;
    });
  return program;
}

/** Runs the CLI; any failure is one line on stderr with its code (FORBIDDEN names the missing role) and exit code 1. */
export async function runCli(argv: string[]): Promise<void> {
  const program = buildCli();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    const failure = asClientError(error, program.opts<{ url: string }>().url);
    console.error(`error (${failure.code}): ${failure.message}`);
    process.exitCode = 1;
  }
}
