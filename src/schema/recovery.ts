// Admin operations over both stores: the doctor's report, and repair (the recovery sweep on demand).
import { doctor, type DoctorFinding, type DoctorReport } from '../domain/recovery/doctor';
import { type SweepReport, sweepExclusive } from '../domain/recovery/sweep';
import { z } from 'zod';
import { InvalidInputError } from '../domain/errors';
import { builder } from './builder';

/** At most a year: recovery never looks further back than that. */
const GRACE_SECONDS = z.number().int().min(0, 'graceSeconds cannot be negative').max(31_536_000);

const Finding = builder.objectRef<DoctorFinding>('DoctorFinding').implement({
  fields: (t) => ({
    storage: t.exposeString('storage'),
    key: t.exposeString('key'),
    uid: t.exposeString('uid', { nullable: true }),
    detail: t.exposeString('detail'),
  }),
});

const DoctorReportObject = builder.objectRef<DoctorReport>('DoctorReport').implement({
  description: 'Every disagreement between PostgreSQL and the storages.',
  fields: (t) => ({
    clean: t.exposeBoolean('clean'),
    rowsWithoutObjects: t.field({ type: [Finding], resolve: (report) => report.rowsWithoutObjects }),
    objectsWithoutRows: t.field({ type: [Finding], resolve: (report) => report.objectsWithoutRows }),
    sizeMismatches: t.field({ type: [Finding], resolve: (report) => report.sizeMismatches }),
    hashMismatches: t.field({ type: [Finding], resolve: (report) => report.hashMismatches }),
    staleOngoing: t.field({ type: [Finding], resolve: (report) => report.staleOngoing }),
    staleOperations: t.field({ type: [Finding], resolve: (report) => report.staleOperations }),
    unreachable: t.field({ type: [Finding], resolve: (report) => report.unreachable }),
  }),
});

const SweepReportObject = builder.objectRef<SweepReport>('RecoveryReport').implement({
  fields: (t) => ({
    finished: t.exposeStringList('finished', { description: 'Artifacts whose interrupted save or replace was completed.' }),
    undone: t.exposeStringList('undone', { description: 'Artifacts whose interrupted save was rolled back (or replace undone).' }),
    objectsDeleted: t.exposeStringList('objectsDeleted'),
    uploadsExpired: t.exposeStringList('uploadsExpired'),
    waiting: t.exposeStringList('waiting', {
      description: 'Owed deletions left for later on purpose: their object is the previous place of a change not decided yet.',
    }),
    errors: t.exposeStringList('errors'),
  }),
});

const RepairPayload = builder.objectRef<{ recovery: SweepReport; after: DoctorReport }>('RepairPayload').implement({
  fields: (t) => ({
    recovery: t.field({ type: SweepReportObject, resolve: (payload) => payload.recovery }),
    after: t.field({ type: DoctorReportObject, resolve: (payload) => payload.after, description: "The doctor's report after the repair." }),
  }),
});

builder.queryField('doctor', (t) =>
  t.field({
    authScopes: { admin: true },
    type: DoctorReportObject,
    description: 'Admin: compares both stores. `deep` also re-hashes every object.',
    args: {
      deep: t.arg.boolean({ required: false, defaultValue: false }),
      graceSeconds: t.arg.int({ required: false, description: 'Ignore work younger than this (default: the server setting).', validate: GRACE_SECONDS }),
    },
    resolve: (_root, args, context) => {
      return doctor(context, { deep: args.deep ?? false, graceMs: args.graceSeconds != null ? args.graceSeconds * 1000 : context.config.recoveryGraceMs });
    },
  }),
);

const RepairInput = builder.inputType('RepairInput', {
  fields: (t) => ({
    graceSeconds: t.int({ required: false, description: 'Only touch work older than this (default: the server setting).', validate: GRACE_SECONDS }),
  }),
});

builder.mutationField('repair', (t) =>
  t.field({
    authScopes: { admin: true },
    type: RepairPayload,
    description: 'Admin: runs the recovery sweep now (finish or undo interrupted saves, delete unowned staged objects), then the doctor.',
    args: { input: t.arg({ type: RepairInput, required: false }) },
    errors: { types: [InvalidInputError], union: { name: 'RepairResult' } },
    resolve: async (_root, { input }, context) => {
      const graceMs = input?.graceSeconds != null ? input.graceSeconds * 1000 : context.config.recoveryGraceMs;
      const recovery = await sweepExclusive(context, { graceMs });
      return { recovery, after: await doctor(context, { graceMs }) };
    },
  }),
);
