/**
 * Gathers concurrent work items into batches: items with the same key that arrive within
 * a short window (or until a batch is full) go to one `run` call. One batch runs at a time
 * (they share one GPU); items that arrive meanwhile form the next batch, so batches grow
 * with load and throughput with them. A failing batch is retried item by item, so one bad
 * item fails alone.
 *
 * @module
 */

/** Options of {@linkcode Batcher}. */
export interface BatcherOptions {
  /** How long the first item of a batch waits for company (ms). */
  windowMs: number;
  /** Most items per `run` call. */
  maxBatch: number;
  /** Most items waiting; beyond it {@linkcode Batcher.submit} rejects with {@linkcode QueueFullError}. */
  maxQueue: number;
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
  /** `run` calls made. */
  batches: number;
  /** Items run. */
  items: number;
  /** Largest batch run. */
  largestBatch: number;
}

interface Pending<I, O> {
  item: I;
  resolve: (value: O) => void;
  reject: (error: unknown) => void;
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
  readonly #run: (key: string, items: I[]) => Promise<O[]>;
  readonly #options: BatcherOptions;
  readonly #queues = new Map<string, Pending<I, O>[]>();
  #queued = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running = false;
  #stats = { batches: 0, items: 0, largestBatch: 0 };

  /**
   * Creates an idle batcher.
   *
   * @param run solves one batch of same-key items; must return one output per item, in order
   * @param options window, batch and queue limits
   */
  constructor(run: (key: string, items: I[]) => Promise<O[]>, options: BatcherOptions) {
    this.#run = run;
    this.#options = options;
  }

  /** Queues an item; resolves with its output. */
  submit(key: string, item: I): Promise<O> {
    if (this.#queued >= this.#options.maxQueue) {
      return Promise.reject(new QueueFullError(this.#options.maxQueue));
    }
    return new Promise<O>((resolve, reject) => {
      let queue = this.#queues.get(key);
      if (!queue) this.#queues.set(key, queue = []);
      queue.push({ item, resolve, reject });
      this.#queued++;
      this.#schedule(queue.length >= this.#options.maxBatch);
    });
  }

  /** Current counters. */
  stats(): BatcherStats {
    return { queued: this.#queued, ...this.#stats };
  }

  /** Cancels the pending timer (for tests and shutdown); queued items still run when asked. */
  close(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(full: boolean): void {
    if (this.#running) return; // the loop picks new items up when the current batch ends
    if (full) {
      this.close();
      this.#drain();
    } else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#drain();
      }, this.#options.windowMs);
    }
  }

  async #drain(): Promise<void> {
    if (this.#running) return;
    this.#running = true;
    try {
      while (this.#queued > 0) {
        // Oldest-first across keys: take the key whose head has waited longest (map order
        // is insertion order and emptied keys are deleted, so the first key is the oldest).
        const [key, queue] = this.#queues.entries().next().value!;
        const batch = queue.splice(0, this.#options.maxBatch);
        if (queue.length === 0) this.#queues.delete(key);
        else {
          // Requeue at the back so other keys get their turn.
          this.#queues.delete(key);
          this.#queues.set(key, queue);
        }
        this.#queued -= batch.length;
        await this.#runBatch(key, batch);
      }
    } finally {
      this.#running = false;
    }
  }

  async #runBatch(key: string, batch: Pending<I, O>[]): Promise<void> {
    this.#stats.batches++;
    this.#stats.items += batch.length;
    this.#stats.largestBatch = Math.max(this.#stats.largestBatch, batch.length);
    try {
      const outputs = await this.#run(key, batch.map((p) => p.item));
      if (outputs.length !== batch.length) {
        throw new Error(`batch run returned ${outputs.length} outputs for ${batch.length} items`);
      }
      batch.forEach((p, i) => p.resolve(outputs[i]));
    } catch (error) {
      if (batch.length === 1) return batch[0].reject(error);
      // Isolate the failure: rerun each item alone so only the bad one fails.
      for (const p of batch) {
        try {
          const [out] = await this.#run(key, [p.item]);
          p.resolve(out);
        } catch (itemError) {
          p.reject(itemError);
        }
      }
    }
  }
}
