// The `trove` command line, built on the client SDK.
import { Command } from 'commander';
import { TroveClient, TroveClientError } from '../client/trove-client';

export function buildCli(output: (line: string) => void = console.log): Command {
  const program = new Command('trove')
    .description('Command line for a Trove server')
    .option('--url <url>', 'Trove server URL', process.env.TROVE_URL ?? 'http://127.0.0.1:4000')
    .option('--json', 'print JSON instead of text');
  const client = () => new TroveClient(program.opts<{ url: string }>().url);
  const asJson = () => program.opts<{ json?: boolean }>().json === true;

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
  return program;
}

export async function runCli(argv: string[]): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (error) {
    if (error instanceof TroveClientError) {
      console.error(`error (${error.code}): ${error.message}`);
      process.exitCode = 1;
      return;
    }
    console.error(`error: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
