// Runs `prisma generate` only when its output would differ: the schema, the Prisma config, the Prisma version or the
// project's location (the generated client embeds absolute paths) changed since the last run. Saves ~3 s per start.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stampFile = path.join(projectRoot, 'src/db/generated/.inputs-hash');
const inputs = ['prisma/schema.prisma', 'prisma.config.ts', 'node_modules/prisma/package.json', 'node_modules/@pothos/plugin-prisma/package.json'];

const hash = createHash('sha256').update(projectRoot);
for (const input of inputs) hash.update(readFileSync(path.join(projectRoot, input)));
const inputsHash = hash.digest('hex');

if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === inputsHash) process.exit(0);
const binDir = path.join(projectRoot, 'node_modules/.bin');
execFileSync(path.join(binDir, 'prisma'), ['generate', '--no-hints'], {
  cwd: projectRoot,
  stdio: 'inherit',
  // The generators (prisma-pothos-types) are found on the PATH, as under `npm run`; the CLI wants a URL, unused here.
  env: { ...process.env, PATH: `${binDir}${path.delimiter}${process.env.PATH}`, DATABASE_URL: process.env.DATABASE_URL || 'postgresql://localhost/unused' },
});
writeFileSync(stampFile, inputsHash);
