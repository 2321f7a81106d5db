// `trove token create|list|revoke` and `trove whoami`. With --data-dir (or DATABASE_URL) the commands work on the
// server machine's database directly, so the first admin token needs no running server; otherwise they go through
// the server and need an admin token.
import { type Command, Option } from 'commander';
import ms from 'ms';
import type { Role } from '../domain/access';
import { TroveClientError } from '../client/results';
import type { CliContext } from './lineage-commands';

interface TokenLine {
  id: string;
  name?: string | null;
  role: string;
  user: { handle: string };
  expiresAt?: string | null;
  revokedAt?: string | null;
  lastUsedAt?: string | null;
}

function describeToken(token: TokenLine): string {
  const state = token.revokedAt ? `revoked ${token.revokedAt}` : token.expiresAt ? `expires ${token.expiresAt}` : 'no expiry';
  return `${token.id}  ${token.role.toLowerCase().padEnd(5)}  ${token.user.handle}  ${state}${token.lastUsedAt ? `  last used ${token.lastUsedAt}` : ''}${token.name ? `  (${token.name})` : ''}`;
}

/** "30d", "12h", "90m" or "1y" from now. */
export function expiryFrom(text: string, now = Date.now()): Date {
  const duration = ms(text as ms.StringValue);
  if (typeof duration !== 'number' || !Number.isFinite(duration) || duration <= 0) {
    throw new TroveClientError('INVALID_INPUT', `--expires "${text}" is not a duration such as 30d, 12h or 1y`);
  }
  return new Date(now + duration);
}

export function addTokenCommands(program: Command, { client, output, asJson }: CliContext): void {
  const local = (options: { dataDir?: string }) => options.dataDir !== undefined || process.env.DATABASE_URL !== undefined;
  const dataDirOption = () => new Option('--data-dir <dir>', "work on this server data folder's database directly (no server needed; or set DATABASE_URL)");
  const token = program.command('token').description('API tokens (admin): create, list, revoke');

  token
    .command('create')
    .description('make a token; its secret is printed once (stdout), keep it')
    .addOption(new Option('--role <role>', 'what the token may do').choices(['read', 'write', 'admin']).makeOptionMandatory())
    .option('--user <handle>', 'the user the token acts as (created when new)')
    .option('--expires <duration>', 'e.g. 30d, 12h, 1y (default: never)')
    .option('--name <text>', 'to tell tokens apart, e.g. "nightly pipeline"')
    .addOption(dataDirOption())
    .action(async (options: { role: string; user?: string; expires?: string; name?: string; dataDir?: string }) => {
      const role = options.role.toUpperCase() as Role;
      const expiresAt = options.expires ? expiryFrom(options.expires) : undefined;
      let made: { secret: string; token: TokenLine };
      if (local(options)) {
        const { createTokenLocally } = await import('./local-admin');
        made = await createTokenLocally(options.dataDir, { role, userHandle: options.user ?? process.env.TROVE_USER ?? 'trove', expiresAt, name: options.name });
      } else {
        made = await client().tokens.create({ role, userHandle: options.user, expiresAt: expiresAt?.toISOString(), name: options.name });
      }
      if (asJson()) return output(JSON.stringify(made));
      console.error(`made ${describeToken(made.token)}; the secret below is shown only now (send it as "Authorization: Bearer <secret>", or TROVE_TOKEN):`);
      output(made.secret);
    });

  token
    .command('list')
    .description('list active tokens')
    .option('--all', 'also revoked and expired ones')
    .addOption(dataDirOption())
    .action(async (options: { all?: boolean; dataDir?: string }) => {
      let tokens: TokenLine[];
      if (local(options)) {
        const { listTokensLocally } = await import('./local-admin');
        tokens = await listTokensLocally(options.dataDir, options.all ?? false);
      } else {
        tokens = await client().tokens.list({ includeInactive: options.all ?? false });
      }
      for (const item of tokens) output(asJson() ? JSON.stringify(item) : describeToken(item));
    });

  token
    .command('revoke <id>')
    .description('revoke a token at once')
    .addOption(dataDirOption())
    .action(async (id: string, options: { dataDir?: string }) => {
      let revoked: TokenLine;
      if (local(options)) {
        const { revokeTokenLocally } = await import('./local-admin');
        revoked = await revokeTokenLocally(options.dataDir, id);
      } else {
        revoked = await client().tokens.revoke(id);
      }
      output(asJson() ? JSON.stringify(revoked) : `revoked: ${describeToken(revoked)}`);
    });

  program
    .command('whoami')
    .description('who the server takes you for, and your role')
    .action(async () => {
      const viewer = await client().tokens.viewer();
      if (asJson()) return output(JSON.stringify(viewer));
      const role = viewer.role ? viewer.role.toLowerCase() : 'none (a token is needed)';
      output(`${viewer.user.handle}  role: ${role}${viewer.anonymous ? '  (anonymous local access)' : `  token ${viewer.tokenId}`}`);
    });
}
