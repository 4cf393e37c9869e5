/**
 * Gathers concurrent work items into batches: items with the same key that arrive within
 * a short window (or until a batch is full) go to one `run` call. One batch runs at a time
 * (they share one GPU); items that arrive meanwhile form the next batch, so batches grow
 * with load and throughput with them. A failing batch is retried item by item, so one bad
 * item fails alone.
 *
 * Each item may carry an `AbortSignal` (its client hung up, or its deadline passed) and a
 * cost: an aborted item leaves the queue at once and is never run; a running batch whose
 * items have all been aborted gets its own signal aborted, so `run` can stop between
 * supervision steps. The queued cost (queued and running items) is what admission control
 * reads.
 *
 * Keys may be grouped into lanes (`laneOf`): one batch runs at a time per lane, and lanes
 * run side by side. A server whose models run on separate workers (each with its own GPU
 * queue) gives each model a lane, so a long 9×9 batch does not hold up a 4×4 request.
 *
 * @module
 */

/** What a running batch's `run` may ask about its items. */
export interface BatchDrops {
  /** True once item `index` of the batch has been aborted (nobody wants its answer). */
  isDropped(index: number): boolean;
  /** Calls `listener` with an item's index when it is aborted while the batch runs. */
  onDrop(listener: (index: number) => void): void;
}

/** Options of {@linkcode Batcher}. */
export interface BatcherOptions {
  /** How long the first item of a batch waits for company (ms). */
  windowMs: number;
  /** Most items per `run` call. */
  maxBatch: number;
  /** Most items waiting; beyond it {@linkcode Batcher.submit} rejects with {@linkcode QueueFullError}. */
  maxQueue: number;
  /**
   * The lane of a key (default: one lane for all keys). Batches of different lanes run
   * concurrently; within a lane, one at a time.
   */
  laneOf?: (key: string) => string;
}

/** Thrown by {@linkcode Batcher.submit} when the queue is full (the server answers 503). */
export class QueueFullError extends Error {
  /**
   * Names the limit in the message.
   *
   * @param limit the queue limit that was reached
   */
  constructor(limit: number) {
    super(`the server is busy (${limit} puzzles queued); retry shortly`);
    this.name = "QueueFullError";
  }
}

/** Counters for health checks and load tests. */
export interface BatcherStats {
  /** Items waiting now. */
  queued: number;
  /** Cost of the items waiting or running now. */
  queuedCost: number;
  /** Items dropped before they ran because their signal aborted. */
  dropped: number;
  /** Batches stopped while running because every item in them was aborted. */
  abortedBatches: number;
  /** `run` calls made. */
  batches: number;
  /** Items run. */
  items: number;
  /** Largest batch run. */
  largestBatch: number;
}

/** Options of one {@linkcode Batcher.submit}. */
export interface SubmitOptions {
  /** Aborting drops the item (or, once every item of its batch is aborted, the batch). */
  signal?: AbortSignal;
  /** The item's cost (default 1), counted in `queuedCost` until it has run. */
  cost?: number;
  /**
   * Items of one request share a group (any value; default: the item alone). A batch takes
   * items round-robin across the groups waiting under its key, so a small request queued
   * behind a large one rides in the next batch instead of after all of the large one.
   */
  group?: unknown;
}

interface Pending<I, O> {
  item: I;
  cost: number;
  group: unknown;
  signal?: AbortSignal;
  /** Set once the item's promise has settled (resolved, rejected or aborted). */
  settled: boolean;
  /** Set once the item is taken into a running batch. */
  batch?: RunningBatch<I, O>;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
  onAbort?: () => void;
}

/**
 * Up to `max` items of `queue`, one per group in turn (groups in order of their oldest
 * item), and the items left; both keep queue order.
 */
function takeRoundRobin<T extends { group: unknown }>(queue: T[], max: number): [T[], T[]] {
  if (queue.length <= max) return [queue, []];
  const byGroup = new Map<unknown, T[]>();
  for (const p of queue) {
    const g = p.group === undefined ? p : p.group;
    let list = byGroup.get(g);
    if (!list) byGroup.set(g, list = []);
    list.push(p);
  }
  const taken = new Set<T>();
  for (let round = 0; taken.size < max; round++) {
    let any = false;
    for (const list of byGroup.values()) {
      if (round < list.length && taken.size < max) {
        taken.add(list[round]);
        any = true;
      }
    }
    if (!any) break;
  }
  return [queue.filter((p) => taken.has(p)), queue.filter((p) => !taken.has(p))];
}

interface RunningBatch<I, O> {
  items: Pending<I, O>[];
  /** Aborted once every item of the batch has been aborted. */
  nobodyWaits: AbortController;
  /** Told the index of each item aborted while the batch runs. */
  dropListeners: ((index: number) => void)[];
}

interface Lane {
  running: boolean;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * A keyed micro-batcher.
 *
 * @example
 * ```ts ignore
 * const batcher = new Batcher((key, items) => solveAll(key, items), { windowMs: 3, maxBatch: 64, maxQueue: 1024 });
 * const answer = await batcher.submit("sudoku9|16|0.9", puzzle);
 * ```
 */
export class Batcher<I, O> {
  readonly #run: (
    key: string,
    items: I[],
    signal: AbortSignal,
    drops: BatchDrops,
  ) => Promise<O[]>;
  readonly #options: BatcherOptions;
  readonly #queues = new Map<string, Pending<I, O>[]>();
  #queued = 0;
  #queuedCost = 0;
  readonly #lanes = new Map<string, Lane>();
  readonly #laneOf: (key: string) => string;
  #stats = { batches: 0, items: 0, largestBatch: 0, dropped: 0, abortedBatches: 0 };

  /**
   * Creates an idle batcher.
   *
   * @param run solves one batch of same-key items; must return one output per item, in
   *   order; may stop early (throwing) once `signal` aborts, when nobody wants the batch,
   *   and may skip items that `drops` reports aborted (their outputs are ignored)
   * @param options window, batch and queue limits
   */
  constructor(
    run: (key: string, items: I[], signal: AbortSignal, drops: BatchDrops) => Promise<O[]>,
    options: BatcherOptions,
  ) {
    this.#run = run;
    this.#options = options;
    this.#laneOf = options.laneOf ?? (() => "");
  }

  /** Queues an item; resolves with its output, rejects with the signal's reason on abort. */
  submit(key: string, item: I, options: SubmitOptions = {}): Promise<O> {
    const { signal } = options;
    if (signal?.aborted) {
      this.#stats.dropped++;
      return Promise.reject(signal.reason);
    }
    if (this.#queued >= this.#options.maxQueue) {
      return Promise.reject(new QueueFullError(this.#options.maxQueue));
    }
    return new Promise<O>((resolve, reject) => {
      let queue = this.#queues.get(key);
      if (!queue) this.#queues.set(key, queue = []);
      const cost = options.cost ?? 1;
      const pending: Pending<I, O> = {
        item,
        cost,
        group: options.group,
        signal,
        settled: false,
        resolve,
        reject,
      };
      if (signal) {
        pending.onAbort = () => this.#abort(key, pending);
        signal.addEventListener("abort", pending.onAbort, { once: true });
      }
      queue.push(pending);
      this.#queued++;
      this.#queuedCost += cost;
      this.#schedule(this.#laneOf(key), queue.length >= this.#options.maxBatch);
    });
  }

  /** Current counters. */
  stats(): BatcherStats {
    return { queued: this.#queued, queuedCost: this.#queuedCost, ...this.#stats };
  }

  /** An aborted item: out of the queue if still there (never run); its promise rejects. */
  #abort(key: string, p: Pending<I, O>): void {
    const queue = this.#queues.get(key);
    const at = queue ? queue.indexOf(p) : -1;
    if (at >= 0) {
      queue!.splice(at, 1);
      if (queue!.length === 0) this.#queues.delete(key);
      this.#queued--;
      this.#queuedCost -= p.cost;
      this.#stats.dropped++;
    }
    this.#settle(p, () => p.reject(p.signal!.reason));
    const batch = p.batch;
    if (batch) {
      const index = batch.items.indexOf(p);
      for (const listener of batch.dropListeners) listener(index);
    }
    if (batch && batch.items.every((q) => q.settled) && !batch.nobodyWaits.signal.aborted) {
      this.#stats.abortedBatches++;
      batch.nobodyWaits.abort(
        new DOMException("every request of the batch was aborted", "AbortError"),
      );
    }
  }

  #settle(p: Pending<I, O>, how: () => void): void {
    if (p.settled) return;
    p.settled = true;
    if (p.onAbort) p.signal!.removeEventListener("abort", p.onAbort);
    how();
  }

  /** Cancels the pending timers (for tests and shutdown); queued items still run when asked. */
  close(): void {
    for (const lane of this.#lanes.values()) {
      if (lane.timer !== undefined) clearTimeout(lane.timer);
      lane.timer = undefined;
    }
  }

  #lane(name: string): Lane {
    let lane = this.#lanes.get(name);
    if (!lane) this.#lanes.set(name, lane = { running: false, timer: undefined });
    return lane;
  }

  #schedule(laneName: string, full: boolean): void {
    const lane = this.#lane(laneName);
    if (lane.running) return; // the lane's loop picks new items up when its batch ends
    if (full) {
      if (lane.timer !== undefined) clearTimeout(lane.timer);
      lane.timer = undefined;
      this.#drain(laneName);
    } else if (lane.timer === undefined) {
      lane.timer = setTimeout(() => {
        lane.timer = undefined;
        this.#drain(laneName);
      }, this.#options.windowMs);
    }
  }

  /** The lane's oldest key with queued items (map order is insertion order). */
  #nextKey(laneName: string): string | undefined {
    for (const key of this.#queues.keys()) if (this.#laneOf(key) === laneName) return key;
    return undefined;
  }

  async #drain(laneName: string): Promise<void> {
    const lane = this.#lane(laneName);
    if (lane.running) return;
    lane.running = true;
    try {
      for (let key = this.#nextKey(laneName); key !== undefined; key = this.#nextKey(laneName)) {
        // Oldest-first across the lane's keys: emptied keys are deleted, so the first key
        // found is the one whose head has waited longest.
        const [batch, rest] = takeRoundRobin(this.#queues.get(key)!, this.#options.maxBatch);
        this.#queues.delete(key);
        // Requeue at the back so other keys get their turn.
        if (rest.length > 0) this.#queues.set(key, rest);
        this.#queued -= batch.length;
        await this.#runBatch(key, batch);
      }
    } finally {
      lane.running = false;
    }
  }

  async #runBatch(key: string, batch: Pending<I, O>[]): Promise<void> {
    this.#stats.batches++;
    this.#stats.items += batch.length;
    this.#stats.largestBatch = Math.max(this.#stats.largestBatch, batch.length);
    const nobodyWaits = new AbortController();
    const running: RunningBatch<I, O> = { items: batch, nobodyWaits, dropListeners: [] };
    for (const p of batch) p.batch = running;
    const drops: BatchDrops = {
      isDropped: (index) => batch[index]?.settled ?? false,
      onDrop: (listener) => void running.dropListeners.push(listener),
    };
    try {
      const outputs = await this.#run(key, batch.map((p) => p.item), nobodyWaits.signal, drops);
      if (outputs.length !== batch.length) {
        throw new Error(`batch run returned ${outputs.length} outputs for ${batch.length} items`);
      }
      batch.forEach((p, i) => this.#settle(p, () => p.resolve(outputs[i])));
    } catch (error) {
      const waiting = batch.filter((p) => !p.settled);
      if (waiting.length <= 1 || nobodyWaits.signal.aborted) {
        for (const p of waiting) this.#settle(p, () => p.reject(error));
        return;
      }
      // Isolate the failure: rerun each item alone so only the bad one fails.
      for (const p of waiting) {
        if (p.settled) continue; // aborted meanwhile
        try {
          const alone: BatchDrops = { isDropped: () => p.settled, onDrop: () => {} };
          const [out] = await this.#run(key, [p.item], p.signal ?? nobodyWaits.signal, alone);
          this.#settle(p, () => p.resolve(out));
        } catch (itemError) {
          this.#settle(p, () => p.reject(itemError));
        }
      }
    } finally {
      for (const p of batch) {
        this.#queuedCost -= p.cost;
        p.batch = undefined;
      }
    }
  }
}
