// Hostile input, generated (fast-check) over every argument of every query and mutation, reached through the schema
// so new fields are covered too, and over the HTTP routes. Each generated operation carries at least one value that
// must be refused (NUL, a lone surrogate, a string over its length, a list over TROVE_MAX_LIST_LENGTH, JSON too deep
// or too large, a negative or fractional size, a string where a file belongs, ...). Every answer must be a refusal
// with a stable code, never "Unexpected error." or a 5xx; after every batch the server is healthy and no row or object
// was added or removed. The seed is printed; TROVE_FUZZ_SEED replays a run.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../src/schema/index';
import { isList, isNonNull, namedTypeOf, plainValue, rootFields, type RootField } from './helpers/operations';
import { objectKeys } from './helpers/storage-state';
import { startListeningTrove, type TestTrove } from './helpers/trove';

const SEED = Number(process.env.TROVE_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const GRAPHQL_RUNS = Number(process.env.TROVE_FUZZ_RUNS ?? 600);
const HTTP_RUNS = Math.ceil(GRAPHQL_RUNS / 3);
const BATCH = 50;
const MAX_LIST = 20;
const MAX_UPLOAD = 100_000;

/** Error types of the schema: every type implementing the `Error` interface. */
const ERROR_TYPES = new Set(schema.getPossibleTypes(schema.getType('Error') as never).map((type) => type.name));

type SlotKind = 'string' | 'content' | 'int' | 'bigint' | 'json' | 'file' | 'datetime' | 'boolean' | 'float' | 'list';
interface Slot {
  /** Path from the argument: ['input', 'inputs', 0, 'key'] ... */
  path: (string | number)[];
  kind: SlotKind;
  name: string;
}

const SCALAR_KINDS: Record<string, SlotKind> = {
  String: 'string',
  ID: 'string',
  Int: 'int',
  SafeInt: 'bigint',
  JSON: 'json',
  JSONObject: 'json',
  File: 'file',
  DateTime: 'datetime',
  Boolean: 'boolean',
  Float: 'float',
};

/** Every place a value can go in the arguments of `field` (input objects one level of recursion deep). */
function slotsOf(field: RootField): Slot[] {
  const slots: Slot[] = [];
  const visit = (type: any, path: (string | number)[], name: string, seen: Set<string>) => {
    const inner = isNonNull(type) ? type.ofType : type;
    if (isList(inner)) {
      slots.push({ path, kind: 'list', name });
      visit(inner.ofType, [...path, 0], name, seen);
      return;
    }
    const named = namedTypeOf(inner);
    if (named.getFields && !seen.has(named.name!)) {
      for (const child of Object.values(named.getFields())) visit(child.type, [...path, child.name], child.name, new Set([...seen, named.name!]));
      return;
    }
    const kind = named.name === 'String' && name === 'content' ? 'content' : SCALAR_KINDS[named.name!];
    if (kind) slots.push({ path, kind, name });
  };
  for (const arg of field.field.args) visit(arg.type, [arg.name], arg.name, new Set());
  return slots;
}

const LIMITS: Record<string, number> = { name: 255, nameContains: 255, versionTag: 64, suffix: 64, description: 10_000, path: 4096, sourceCode: 1_000_000 };

/** A value that must be refused wherever a value of `slot` goes. */
function hostileValue(slot: Slot): fc.Arbitrary<unknown> {
  const text = fc.string({ maxLength: 40 });
  const withInserted = (inserted: string) => fc.tuple(text, text).map(([before, after]) => `${before}${inserted}${after}`);
  switch (slot.kind) {
    case 'string': {
      const limit = LIMITS[slot.name] ?? 1024;
      return fc.oneof(
        withInserted('\u0000'),
        withInserted('\uD800'),
        withInserted('\uDFFF'),
        fc.integer({ min: 1, max: 2000 }).map((extra) => 'k'.repeat(limit + extra)),
        fc.constant('é'.repeat(limit + 1)),
      );
    }
    case 'content':
      return fc.oneof(withInserted('\uD800'), fc.constant('c'.repeat(MAX_UPLOAD + 1)));
    case 'int':
      // Every Int argument here is a count, size, depth or time: none may be negative.
      return fc.oneof(fc.integer({ min: -(2 ** 31), max: -1 }), fc.constant(2 ** 40), fc.constant(1.5), fc.constant('7'));
    case 'bigint':
      return fc.oneof(fc.integer({ min: -1e9, max: -1 }), fc.constant(2 ** 60), fc.constant(2.5), fc.constant('1e3'), fc.constant('-1'));
    case 'json':
      return fc.oneof(
        fc.integer({ min: 17, max: 60 }).map((depth) => Array.from({ length: depth }).reduce<unknown>((inner) => ({ a: inner }), 1)),
        withInserted('\u0000').map((value) => ({ note: value })),
        withInserted('\u0000').map((key) => ({ [key]: 1 })),
        fc.constant({ big: 'j'.repeat(70_000) }),
      );
    case 'file':
      return fc.oneof(text, fc.integer(), fc.constant({ name: 'x.txt', size: 3 }));
    case 'datetime':
      return fc.oneof(fc.constant('not a date'), fc.constant('2026-13-45T99:99:99Z'), fc.integer());
    case 'boolean':
      return fc.oneof(fc.constant('yes'), fc.integer());
    case 'float':
      return fc.oneof(fc.constant('NaN'), fc.constant('Infinity'));
    case 'list':
      return fc.integer({ min: MAX_LIST + 1, max: MAX_LIST + 40 }).map((length) => Array.from({ length }, () => '__element__'));
  }
}

/** Sets `value` at `path`, creating the objects and lists on the way with their required fields filled. */
function setAt(variables: Record<string, unknown>, field: RootField, path: (string | number)[], value: unknown): void {
  let container: any = variables;
  let type: any = field.field.args.find((arg) => arg.name === path[0])!.type;
  for (let index = 0; index < path.length; index++) {
    const step = path[index]!;
    const last = index === path.length - 1;
    if (last) {
      container[step] = value;
      return;
    }
    const inner = isNonNull(type) ? type.ofType : type;
    if (container[step] === undefined || container[step] === null) container[step] = isList(inner) ? [] : plainValue(inner);
    container = container[step];
    if (isList(inner)) {
      type = inner.ofType;
      // the next step is the index into the list
      const element = isNonNull(type) ? type.ofType : type;
      if (container[0] === undefined) container[0] = plainValue(element);
      continue;
    }
    const named = namedTypeOf(inner);
    const nextName = path[index + 1];
    if (typeof nextName === 'string' && named.getFields) type = named.getFields()[nextName]!.type;
  }
}

/** List slots get plain elements of their type instead of the placeholder. */
function elementFor(field: RootField, slot: Slot): unknown {
  let type: any = field.field.args.find((arg) => arg.name === slot.path[0])!.type;
  for (const step of slot.path.slice(1)) {
    const inner = isNonNull(type) ? type.ofType : type;
    if (isList(inner)) type = inner.ofType;
    else if (typeof step === 'string') type = namedTypeOf(inner).getFields!()[step]!.type;
  }
  const inner = isNonNull(type) ? type.ofType : type;
  return plainValue(isList(inner) ? inner.ofType : inner);
}

interface Case {
  field: RootField;
  slot: Slot;
  value: unknown;
}

function operationText(field: RootField): string {
  const declarations = field.field.args.map((arg) => `$${arg.name}: ${arg.type.toString()}`).join(', ');
  const passing = field.field.args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
  const named = namedTypeOf(field.field.type);
  const selection = named.getFields || (named as { getTypes?: unknown }).getTypes ? ' { __typename }' : '';
  return `${field.kind}${declarations ? `(${declarations})` : ''} { ${field.field.name}${passing ? `(${passing})` : ''}${selection} }`;
}

function variablesFor({ field, slot, value }: Case): Record<string, unknown> {
  const variables: Record<string, unknown> = {};
  for (const arg of field.field.args) if (isNonNull(arg.type)) variables[arg.name] = plainValue(arg.type);
  const hostile = slot.kind === 'list' ? (value as unknown[]).map(() => elementFor(field, slot)) : value;
  setAt(variables, field, slot.path, hostile);
  return variables;
}

describe(`hostile input (seed ${SEED})`, () => {
  let trove: TestTrove & { url: string };
  let baseline: Record<string, number>;
  const findings: string[] = [];

  async function census(): Promise<Record<string, number>> {
    const db = trove.services.db;
    const counts: Record<string, number> = {
      artifacts: await db.artifact.count(),
      labels: await db.uLabel.count(),
      labelLinks: await db.artifactULabel.count(),
      transforms: await db.transform.count(),
      runs: await db.run.count(),
      runInputs: await db.runInputArtifact.count(),
      storages: await db.storage.count(),
      users: await db.user.count(),
      tokens: await db.apiToken.count(),
      uploads: await db.uploadSession.count(),
      operations: await db.storageOperation.count(),
      objects: (await objectKeys(trove.services.stores.storeFor(trove.localRoot), { includeInternal: true })).length,
    };
    return counts;
  }

  async function healthy(): Promise<void> {
    const response = await fetch(`${trove.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await census()).toEqual(baseline);
  }

  beforeAll(async () => {
    console.log(`hostile input: seed ${SEED} (replay with TROVE_FUZZ_SEED=${SEED}), ${GRAPHQL_RUNS} GraphQL operations and ${HTTP_RUNS} HTTP requests`);
    trove = await startListeningTrove({ env: { TROVE_MAX_LIST_LENGTH: String(MAX_LIST), TROVE_MAX_UPLOAD_BYTES: String(MAX_UPLOAD) } });
    // Something to point at: an artifact, a label, a transform and a run, so lookups find real records.
    await trove.query(`mutation { createArtifact(input: { content: "a,b\\n", key: "fuzz/a.csv" }) { __typename } }`);
    await trove.query(`mutation { createULabel(input: { label: { name: "fuzz label" } }) { __typename } }`);
    baseline = await census();
  });
  afterAll(async () => {
    if (findings.length) console.log(`hostile input findings:\n${findings.join('\n')}`);
    await trove?.close();
  });

  const fields = rootFields();
  const cases = fc.constantFrom(...fields.flatMap((field) => slotsOf(field).map((slot) => ({ field, slot })))).chain(({ field, slot }) =>
    hostileValue(slot).map((value): Case => ({ field, slot, value })),
  );

  it('refuses every hostile argument of every query and mutation with a typed error, and stores nothing', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(cases, async (testCase) => {
        const query = operationText(testCase.field);
        const variables = variablesFor(testCase);
        const body = JSON.stringify({ query, variables });
        const response = await fetch(`${trove.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        const text = await response.text();
        const where = `${testCase.field.name} ${testCase.slot.path.join('.')} (${testCase.slot.kind}) -> HTTP ${response.status}: ${text.slice(0, 300)}`;
        let refused = response.status >= 400 && response.status < 500;
        if (!refused && response.status === 200) {
          const result = JSON.parse(text) as { data?: Record<string, any> | null; errors?: { message: string; extensions?: { code?: string } }[] };
          const masked = result.errors?.some((error) => error.message === 'Unexpected error.' || !error.extensions?.code);
          if (masked) findings.push(`masked: ${where}`);
          const typedError = result.data?.[testCase.field.name]?.__typename && ERROR_TYPES.has(result.data[testCase.field.name].__typename);
          refused = !masked && (Boolean(result.errors?.length) || Boolean(typedError));
          if (!refused && !masked) findings.push(`accepted: ${where}`);
        } else if (!refused) {
          findings.push(`server error: ${where}`);
        }
        expect(refused, where).toBe(true);
        runs++;
        if (runs % BATCH === 0) await healthy();
      }),
      { seed: SEED, numRuns: GRAPHQL_RUNS, endOnFailure: true },
    );
    await healthy();
  });

  const paths = fc.oneof(
    fc.constant('/graphql'),
    fc.stringMatching(/^[0-9A-Za-z]{22}$/).map((id) => `/uploads/${id}`),
    fc.stringMatching(/^[0-9A-Za-z]{20}$/).map((uid) => `/download/${uid}?expires=${2 ** 40}&signature=abc`),
    fc.stringMatching(/^[0-9A-Za-z]{20}$/).map((uid) => `/download/${uid}`),
    fc.constantFrom('/healthz', '/', '/graphql/../healthz', '/%00', '/uploads/..%2F..%2Fetc', '/download/%2e%2e', '/graphql?query=%7Bstorages%7BtotalCount%7D%7D'),
    fc.string({ maxLength: 30 }).map((tail) => `/${encodeURIComponent(tail)}`),
  );
  const bodies = fc.oneof(
    fc.constant(undefined),
    fc.constant('query=mutation%7BcreateULabel(input%3A%7Blabel%3A%7Bname%3A%22csrf%22%7D%7D)%7B__typename%7D%7D'),
    fc.string({ maxLength: 200 }),
    fc.constant(JSON.stringify({ query: 'mutation { createULabel(input: { label: { name: "x\\u0000" } }) { __typename } }' })),
    fc.integer({ min: 100, max: 5000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
    fc.constant(JSON.stringify({ query: `{ ${'a: storages { totalCount } '.repeat(200)} }` })),
  );
  const contentTypes = fc.constantFrom(
    undefined,
    'application/json',
    'application/x-www-form-urlencoded',
    'text/plain',
    'multipart/form-data; boundary=xyz',
    'application/graphql',
  );
  const extraHeaders = fc.record(
    {
      range: fc.constantFrom('bytes=5-1', 'bytes=-', 'bytes=0-0,5-9', 'bytes=999999999999999-', 'items=1-2'),
      authorization: fc.constantFrom('Bearer ', 'Bearer trove_short', 'Basic Zm9vOmJhcg==', `Bearer trove_${'A'.repeat(43)}`),
      origin: fc.constantFrom('https://evil.example', 'null'),
    },
    { requiredKeys: [] },
  );

  it('answers hostile HTTP requests on every route without a server error, and stores nothing', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'), paths, bodies, contentTypes, extraHeaders, async (method, path, body, contentType, headers) => {
        const init: RequestInit = {
          method,
          headers: { ...(contentType ? { 'content-type': contentType } : {}), ...headers },
          body: method === 'GET' || method === 'HEAD' ? undefined : body,
        };
        const response = await fetch(`${trove.url}${path}`, init);
        const text = await response.text();
        const where = `${method} ${path} (${contentType ?? 'no type'}) -> HTTP ${response.status}: ${text.slice(0, 200)}`;
        if (response.status >= 500) findings.push(`server error: ${where}`);
        expect(response.status, where).toBeLessThan(500);
        expect(text, where).not.toContain('Unexpected error.');
        runs++;
        if (runs % BATCH === 0) await healthy();
      }),
      { seed: SEED, numRuns: HTTP_RUNS, endOnFailure: true },
    );
    await healthy();
  });
});
