/**
 * Fair scheduling of signature checks, in front of the verify pool (issue 15, item 12).
 *
 * Each client (the service keys them by connection) has a FIFO of jobs, one job per request
 * to check. Clients are served round-robin, one chunk per turn: a job's first chunk is one
 * message, its later chunks up to `chunk` messages, and at most `slots` chunks are at the
 * verifier at once (about twice the pool's threads: enough to keep every thread busy, few
 * enough that a newcomer waits for little). A job with no chunk in flight goes before a
 * further chunk of one that has (which only fills slots nobody else wants, and only once the
 * job's first check passed), so a client waits for at most one chunk of every other client,
 * however much the others have queued.
 *
 * A job stops at its first bad signature: nothing after it is handed to the verifier, and
 * the job answers with the first failing position once its chunks in flight are back. A
 * request of bad signatures thus costs one check. Its client is then suspect for
 * `SUSPECT_MS`: its jobs are served after everyone else's, except for one dispatch in
 * `SUSPECT_SHARE` while both wait (so they are answered, not starved). Clients that send
 * valid signatures do not queue behind those that do not.
 *
 * NOTE: fairness is per client key. A sender with many connections gets a share per
 * connection, and a new connection starts unsuspected; what bounds connections is outside
 * this module.
 */
import type { VerifyItem, VerifyResult } from "./verify-pool";

/** A job's answer: every message's digest, or the position of its first bad signature. */
export type VerifyOutcome = { ok: true; digests: bigint[] } | { ok: false; bad: number };

/** Rejects the outcome of a job cancelled before its first check. */
export class VerifyCancelled extends Error {
  constructor() {
    super("signature checks cancelled before they started");
  }
}

/** A job as its submitter sees it. */
export interface VerifyJob {
  readonly outcome: Promise<VerifyOutcome>;
  /** Whether a chunk of it has been handed to the verifier. */
  readonly started: boolean;
  /** Drops a job not started yet (its outcome rejects with VerifyCancelled); false if started. */
  cancel(): boolean;
}

interface Job {
  client: string;
  /** The line it waits in: everyone's, or the suspects'. */
  line: Map<string, Job[]>;
  items: VerifyItem[];
  digests: bigint[];
  /** Items handed to the verifier so far (always a prefix). */
  dispatched: number;
  /** Items whose checks are back. */
  checked: number;
  /** Chunks at the verifier. */
  running: number;
  /** Lowest failing position found so far, -1 while none. */
  bad: number;
  error?: unknown;
  resolve(outcome: VerifyOutcome): void;
  reject(err: unknown): void;
}

/** Messages in a job's chunks after its first (which holds one). */
export const DEFAULT_CHUNK = 16;
/** How long a client whose request had a bad signature stays suspect. */
export const SUSPECT_MS = 10_000;
/** While both wait, one dispatch in this many goes to a suspect client. */
export const SUSPECT_SHARE = 4;
/** Suspect clients remembered at most (the oldest are forgotten first). */
const MAX_SUSPECTS = 10_000;

export class FairVerifier {
  /**
   * Clients with jobs, per line, in turn order: the next chunk goes to the first that can
   * take one.
   */
  private readonly everyone = new Map<string, Job[]>();
  private readonly suspectLine = new Map<string, Job[]>();
  /** Suspect clients and until when (ms), oldest first. */
  private readonly suspects = new Map<string, number>();
  private running = 0;
  private dispatches = 0;

  constructor(
    private readonly verifier: (items: VerifyItem[]) => Promise<VerifyResult[]>,
    readonly slots: number,
    readonly chunk = DEFAULT_CHUNK,
  ) {
    if (!Number.isInteger(slots) || slots < 1)
      throw new Error(`slots must be a positive integer, not ${slots}`);
    if (!Number.isInteger(chunk) || chunk < 1)
      throw new Error(`chunk must be a positive integer, not ${chunk}`);
  }

  /** Chunks at the verifier now. */
  get inFlight(): number {
    return this.running;
  }

  /** Whether `client` sent a bad signature less than SUSPECT_MS ago. */
  isSuspect(client: string): boolean {
    const until = this.suspects.get(client);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.suspects.delete(client);
    return false;
  }

  /** Queues the signature checks of `items` for `client`. */
  verify(client: string, items: VerifyItem[]): VerifyJob {
    const line = this.isSuspect(client) ? this.suspectLine : this.everyone;
    let job!: Job;
    const outcome = new Promise<VerifyOutcome>((resolve, reject) => {
      job = {
        client,
        line,
        items,
        digests: [],
        dispatched: 0,
        checked: 0,
        running: 0,
        bad: -1,
        resolve,
        reject,
      };
    });
    if (items.length === 0) {
      job.resolve({ ok: true, digests: [] });
      return { outcome, started: true, cancel: () => false };
    }
    const jobs = line.get(client);
    if (jobs) jobs.push(job);
    else line.set(client, [job]);
    this.pump();
    return {
      outcome,
      get started() {
        return job.dispatched > 0;
      },
      cancel: () => {
        if (job.dispatched > 0) return false;
        this.remove(job);
        job.reject(new VerifyCancelled());
        return true;
      },
    };
  }

  /** Hands chunks to the verifier while a slot is free. */
  private pump(): void {
    while (this.running < this.slots) {
      const suspectsFirst = this.dispatches % SUSPECT_SHARE === SUSPECT_SHARE - 1;
      const [first, then] = suspectsFirst
        ? [this.suspectLine, this.everyone]
        : [this.everyone, this.suspectLine];
      const job = this.next(first) ?? this.next(then);
      if (!job) return;
      this.dispatch(job);
    }
  }

  /**
   * The next job of `line` to get a chunk: clients in turn, jobs with no chunk in flight
   * first; then more chunks of jobs whose first check passed.
   */
  private next(line: Map<string, Job[]>): Job | undefined {
    for (const idleOnly of [true, false]) {
      for (const [client, jobs] of line) {
        const job = jobs.find(
          (j) =>
            j.bad < 0 &&
            j.error === undefined &&
            j.dispatched < j.items.length &&
            (idleOnly ? j.running === 0 : j.checked > 0),
        );
        if (job) {
          // The client's turn is used: to the back of the line.
          line.delete(client);
          line.set(client, jobs);
          return job;
        }
      }
    }
    return undefined;
  }

  private dispatch(job: Job): void {
    const from = job.dispatched;
    const to = Math.min(job.items.length, from + (from === 0 ? 1 : this.chunk));
    job.dispatched = to;
    job.running++;
    this.running++;
    this.dispatches++;
    let results: Promise<VerifyResult[]>;
    try {
      results = this.verifier(job.items.slice(from, to));
    } catch (err) {
      results = Promise.reject(err);
    }
    results
      .then(
        (rs) => {
          job.checked += rs.length;
          rs.forEach((r, k) => {
            job.digests[from + k] = r.digest;
            if (!r.ok && (job.bad < 0 || from + k < job.bad)) job.bad = from + k;
          });
        },
        (err: unknown) => {
          job.error ??= err;
        },
      )
      .finally(() => {
        job.running--;
        this.running--;
        this.settle(job);
        this.pump();
      })
      .catch(() => undefined); // settle and pump do not throw; keep the chain quiet regardless
  }

  /** Answers a job once nothing of it is in flight and nothing more will be dispatched. */
  private settle(job: Job): void {
    if (job.running > 0) return;
    if (job.error !== undefined) job.reject(job.error);
    else if (job.bad >= 0) {
      this.suspect(job.client);
      job.resolve({ ok: false, bad: job.bad });
    } else if (job.dispatched === job.items.length) job.resolve({ ok: true, digests: job.digests });
    else return;
    this.remove(job);
  }

  private suspect(client: string): void {
    this.suspects.delete(client); // re-inserted: the map stays oldest first
    this.suspects.set(client, Date.now() + SUSPECT_MS);
    const now = Date.now();
    for (const [c, until] of this.suspects) {
      if (until > now && this.suspects.size <= MAX_SUSPECTS) break;
      this.suspects.delete(c);
    }
  }

  private remove(job: Job): void {
    const jobs = job.line.get(job.client);
    if (!jobs) return;
    const i = jobs.indexOf(job);
    if (i >= 0) jobs.splice(i, 1);
    if (jobs.length === 0) job.line.delete(job.client);
  }
}
