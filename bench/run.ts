// `npm run bench`: every performance figure beside a baseline measured in the same run, printed as a table and
// written with the machine's details to bench/RESULTS.md. `BENCH_QUICK=1` is a short smoke run (CI runs it to
// check that the benchmark works; its figures mean nothing). `npm run bench -- P4 P6` runs only those groups.
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { folderFigures } from './figures/folders';
import { readFigures } from './figures/reads';
import { s3WriteFigures } from './figures/s3-writes';
import { scaleFigures } from './figures/scale';
import { uploadFigures } from './figures/uploads';
import { writeFigures } from './figures/writes';
import { type BenchServices, type FigureRow, QUICK, startBenchServices } from './lib/services';

const GROUPS: { ids: string[]; run: (services: BenchServices) => Promise<FigureRow[]> }[] = [
  { ids: ['P1', 'P1c', 'P1s'], run: uploadFigures },
  { ids: ['P2', 'P2c', 'P6'], run: writeFigures },
  { ids: ['P6s', 'P2s'], run: s3WriteFigures },
  { ids: ['P3'], run: readFigures },
  { ids: ['P4', 'P4n', 'P4h'], run: scaleFigures },
  { ids: ['F1u', 'F1us', 'F1', 'F1d'], run: folderFigures },
];

function machine(): string {
  const version = (command: string, args: string[]) => {
    try {
      return execFileSync(command, args, { encoding: 'utf8' }).trim().split('\n')[0];
    } catch {
      return 'n/a';
    }
  };
  const load = os.loadavg().map((value) => value.toFixed(2)).join(', ');
  return [
    `- date: ${new Date().toISOString()}`,
    `- cpu: ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'unknown'}; memory ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; load average at the end ${load}`,
    `- node ${process.version}; PostgreSQL: ${process.env.DATABASE_URL ? 'DATABASE_URL' : 'embedded (the npm start default)'}; ${version('git', ['rev-parse', '--short', 'HEAD'])}`,
    `- mode: ${QUICK ? 'BENCH_QUICK=1 (smoke run: sizes are small, figures are not meaningful)' : 'full'}`,
  ].join('\n');
}

function table(rows: FigureRow[]): string {
  const lines = ['| id | what | Trove | baseline (same run) | ratio | target | met |', '|---|---|---|---|---|---|---|'];
  for (const row of rows) {
    lines.push(`| ${row.id} | ${row.what} | ${row.trove} | ${row.baseline} | ${row.ratio} | ${row.target} | ${row.met === null ? '-' : row.met ? 'yes' : 'no'} |`);
  }
  const notes = rows.filter((row) => row.notes).map((row) => `- ${row.id}: ${row.notes}`);
  return [...lines, ...(notes.length ? ['', ...notes] : [])].join('\n');
}

const wanted = process.argv.slice(2).filter((argument) => argument !== '--');
const groups = GROUPS.filter((group) => !wanted.length || group.ids.some((id) => wanted.includes(id)));
const services = await startBenchServices();
const rows: FigureRow[] = [];
try {
  for (const group of groups) {
    console.log(`== ${group.ids.join(', ')}`);
    const measured = await group.run(services);
    for (const row of measured) console.log(`${row.id}: ${row.trove} | baseline ${row.baseline} | ${row.ratio} | target ${row.target}`);
    rows.push(...measured);
  }
} finally {
  await services.stop();
}
const report = `# Benchmark results\n\n${machine()}\n\n${table(rows)}\n`;
console.log(`\n${table(rows)}`);
if (!QUICK && !wanted.length) await writeFile(path.join(import.meta.dirname, 'RESULTS.md'), report);
else console.log(`\n(bench/RESULTS.md is written by a full run of every figure)`);
