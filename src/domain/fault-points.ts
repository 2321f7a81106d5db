// Named points in the storage protocol where a test can pause the work, fail it, or end it as a crash would: the
// exact window of a race or a kill is reached on purpose, not by sleeping and hoping. In production no rule is set
// and reaching a point costs one Map lookup.
//
// Child processes take rules from TROVE_FAULTS, e.g. "protocol.afterMove=kill:0.3,delete.afterCommit=kill:0.1": at
// each point, SIGKILL the process with that probability, drawn from TROVE_FAULT_SEED so a run can be replayed.

export const FAULT_POINTS = [
  /** Bytes of a save or a replace are staged; nothing is committed yet. */
  'save.afterStage',
  /** Inside the commit transaction: an earlier version under the key was found; the next version's uid is not issued yet. */
  'save.beforeVersion',
  /** The commit transaction wrote the rows and the owed work; nothing is moved yet. */
  'protocol.afterCommit',
  /** Right before a staged object is moved to its final key. */
  'protocol.beforeMove',
  /** The object is at its final key; the rows still say storageOngoing. */
  'protocol.afterMove',
  /** Right before an owed deletion of an object. */
  'protocol.beforeDelete',
  /** Everything is in place; the owed work is about to be cleared. */
  'protocol.beforeClear',
  /** Inside the commit transaction of a new artifact whose bytes were written at its key: rows written, no COMMIT yet. */
  'publish.beforeCommit',
  /** Saves whose bytes were written at their keys are settled; their write intent is not removed yet. */
  'publish.beforeSettle',
  /** An upload's bytes are staged under their own key; the session is not updated yet. */
  'upload.afterStage',
  /** Recovery claimed expired work and is about to finish or undo it. */
  'recovery.afterClaim',
] as const;

export type FaultPoint = (typeof FAULT_POINTS)[number];

/** What the code at a point tells the rules: which artifact or upload the work is about. */
export interface FaultDetail {
  uid?: string;
  key?: string;
}

/** Ends the work at a point the way a dead process would: no clean-up runs and leases are no longer renewed. */
export class SimulatedCrash extends Error {
  constructor(readonly point: FaultPoint) {
    super(`simulated crash at ${point}`);
    this.name = 'SimulatedCrash';
  }
}

type Action =
  | { kind: 'pause'; reached: (detail: FaultDetail) => void; released: Promise<void> }
  | { kind: 'fail'; error: () => Error }
  | { kind: 'crash' }
  | { kind: 'kill'; probability: number };

interface Rule {
  action: Action;
  /** How many more times the rule applies (Infinity: always). */
  remaining: number;
  when?: (detail: FaultDetail) => boolean;
}

export interface PauseHandle {
  /** Resolves with the detail of the first work that reaches the point (and is now held there). */
  reached: Promise<FaultDetail>;
  /** Lets the held work go on. */
  release(): void;
}

/** A small deterministic generator (mulberry32), so kills follow the printed seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FaultPoints {
  private readonly rules = new Map<FaultPoint, Rule[]>();
  private random: () => number = Math.random;

  /** Rules from TROVE_FAULTS / TROVE_FAULT_SEED (child processes of the crash test). */
  static fromSpec(spec: string | undefined, seed: number | undefined): FaultPoints {
    const faults = new FaultPoints();
    if (!spec) return faults;
    faults.random = seededRandom(seed ?? 1);
    for (const item of spec.split(',').map((part) => part.trim()).filter(Boolean)) {
      const match = /^([\w.]+)=kill(?::([\d.]+))?$/.exec(item);
      if (!match || !FAULT_POINTS.includes(match[1] as FaultPoint)) throw new Error(`TROVE_FAULTS: "${item}" is not <point>=kill[:probability] with a known point`);
      faults.add(match[1] as FaultPoint, { action: { kind: 'kill', probability: Number(match[2] ?? 1) }, remaining: Infinity });
    }
    return faults;
  }

  private add(point: FaultPoint, rule: Rule): void {
    this.rules.set(point, [...(this.rules.get(point) ?? []), rule]);
  }

  /** Holds the next work that reaches `point` (and matches `when`) until `release()`. */
  pause(point: FaultPoint, when?: (detail: FaultDetail) => boolean): PauseHandle {
    let reached!: (detail: FaultDetail) => void;
    let release!: () => void;
    const handle: PauseHandle = {
      reached: new Promise((resolve) => (reached = resolve)),
      release: () => release(),
    };
    const released = new Promise<void>((resolve) => (release = resolve));
    this.add(point, { action: { kind: 'pause', reached, released }, remaining: 1, when });
    return handle;
  }

  /** Makes the next `times` works reaching `point` fail with `error()`, as if that step had failed. */
  fail(point: FaultPoint, error: () => Error, options: { times?: number; when?: (detail: FaultDetail) => boolean } = {}): void {
    this.add(point, { action: { kind: 'fail', error }, remaining: options.times ?? 1, when: options.when });
  }

  /** Ends the next `times` works reaching `point` as a crash would (SimulatedCrash: no clean-up). */
  crash(point: FaultPoint, options: { times?: number; when?: (detail: FaultDetail) => boolean } = {}): void {
    this.add(point, { action: { kind: 'crash' }, remaining: options.times ?? 1, when: options.when });
  }

  clear(): void {
    this.rules.clear();
  }

  async reach(point: FaultPoint, detail: FaultDetail = {}): Promise<void> {
    const rules = this.rules.get(point);
    if (!rules?.length) return;
    const rule = rules.find((candidate) => candidate.remaining > 0 && (!candidate.when || candidate.when(detail)));
    if (!rule) return;
    rule.remaining--;
    const { action } = rule;
    switch (action.kind) {
      case 'pause':
        action.reached(detail);
        await action.released;
        return;
      case 'fail':
        throw action.error();
      case 'crash':
        throw new SimulatedCrash(point);
      case 'kill':
        if (this.random() < action.probability) {
          process.kill(process.pid, 'SIGKILL');
          await new Promise(() => undefined); // the signal is delivered asynchronously: nothing else may run meanwhile
        }
        return;
    }
  }
}
