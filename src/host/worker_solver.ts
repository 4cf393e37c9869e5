/**
 * Solves the server's batches on workers, one per model, each with its own GPU device
 * (`src/host/solve_worker.ts`). On one shared queue a 64-puzzle 9×9 batch blocks for
 * seconds per supervision step (a readback waits until the GPU is idle, and blocks the
 * thread meanwhile), so every other request, and even noticing that clients left, waits
 * behind it; on separate queues the models run side by side and the main thread stays free
 * for HTTP.
 *
 * @module
 */
import { type AdapterProfile, GpuUnavailableError } from "../gpu/device.ts";
import { CheckpointError } from "../model/checkpoint.ts";
import type { BatchAnswer, BatchRequest, BatchSolver, PuzzleDrops } from "../solve/batch.ts";
import { RegistryError } from "../solve/registry.ts";
import type { WorkerInbound, WorkerOutbound } from "./solve_worker.ts";

/** Where the workers' registries find the models (the main registry's own sources). */
export interface WorkerSolverOptions {
  /** `models/index.json` of the shipped models. */
  indexUrl?: URL;
  /** Extra checkpoints (`TRM_MODEL`). */
  modelFiles?: URL[];
  /** The kernel profile the workers' GPUs are forced to (`TRM_KERNEL_PROFILE`; none: detect). */
  profile?: AdapterProfile;
}

type Answer = BatchAnswer;

interface Call {
  model: string;
  resolve: (answers: Answer[]) => void;
  reject: (error: unknown) => void;
}

/** The error a worker reported, as the class the app maps to a status when it is one. */
function rebuildError({ name, message }: { name: string; message: string }): Error {
  if (name === "GpuUnavailableError") return new GpuUnavailableError(message);
  if (name === "RegistryError") return new RegistryError(message);
  if (name === "CheckpointError") return new CheckpointError(message);
  if (name === "AbortError") return new DOMException(message, "AbortError");
  const error = new Error(message);
  error.name = name;
  return error;
}

/**
 * A {@linkcode BatchSolver} with one worker per model, started on the model's first batch.
 *
 * @example
 * ```ts ignore
 * const solver = new WorkerSolver({ indexUrl: SHIPPED_INDEX });
 * const app = createApp({ registry, solver });
 * ```
 */
export class WorkerSolver implements BatchSolver {
  /** Models run side by side, each on its worker's queue. */
  readonly concurrentModels = true;
  readonly #init: WorkerInbound;
  readonly #workers = new Map<string, Worker>();
  readonly #calls = new Map<number, Call>();
  #nextId = 1;

  /** @param options where the workers find the models */
  constructor(options: WorkerSolverOptions) {
    this.#init = {
      init: {
        index: options.indexUrl?.href,
        models: (options.modelFiles ?? []).map((u) => u.href),
        profile: options.profile,
      },
    };
  }

  /** Solves on `model`'s worker; an aborted `signal` rejects at once and stops the worker's batch. */
  solve(
    model: string,
    request: BatchRequest,
    signal: AbortSignal,
    drops?: PuzzleDrops,
  ): Promise<Answer[]> {
    if (signal.aborted) return Promise.reject(signal.reason);
    const worker = this.#worker(model);
    const id = this.#nextId++;
    drops?.onDrop((index) => {
      if (this.#calls.has(id)) worker.postMessage({ drop: id, index } satisfies WorkerInbound);
    });
    return new Promise<Answer[]>((resolve, reject) => {
      const onAbort = () => {
        this.#calls.delete(id);
        worker.postMessage({ abort: id } satisfies WorkerInbound);
        reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.#calls.set(id, {
        model,
        resolve: (answers) => {
          signal.removeEventListener("abort", onAbort);
          resolve(answers);
        },
        reject: (error) => {
          signal.removeEventListener("abort", onAbort);
          reject(error);
        },
      });
      worker.postMessage({ id, model, request } satisfies WorkerInbound);
    });
  }

  /** Workers started so far. */
  get workers(): number {
    return this.#workers.size;
  }

  /**
   * Stops every worker (each releases its GPU device first; one that does not answer
   * within 5 s is terminated anyway); batches still running reject.
   */
  async close(): Promise<void> {
    const workers = [...this.#workers.values()];
    this.#workers.clear();
    for (const call of this.#calls.values()) call.reject(new Error("the solver was closed"));
    this.#calls.clear();
    await Promise.all(workers.map((worker) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 5000);
        worker.onmessage = ({ data }: MessageEvent<WorkerOutbound>) => {
          if ("closed" in data) {
            clearTimeout(timer);
            resolve();
          }
        };
        worker.postMessage({ close: true } satisfies WorkerInbound);
      }).then(() => worker.terminate())
    ));
  }

  #worker(model: string): Worker {
    let worker = this.#workers.get(model);
    if (worker) return worker;
    worker = new Worker(new URL("./solve_worker.ts", import.meta.url), { type: "module" });
    worker.onmessage = ({ data }: MessageEvent<WorkerOutbound>) => {
      if (!("id" in data)) return;
      const call = this.#calls.get(data.id);
      if (!call) return; // aborted meanwhile
      this.#calls.delete(data.id);
      if ("error" in data) call.reject(rebuildError(data.error));
      else call.resolve(data.answers as Answer[]);
    };
    worker.onerror = (event) => {
      // A worker that dies takes its model's batches with it; the next batch starts a new one.
      event.preventDefault();
      console.error(`solve worker for ${model} failed: ${event.message}`);
      this.#workers.delete(model);
      worker!.terminate();
      for (const [id, call] of this.#calls) {
        if (call.model !== model) continue;
        this.#calls.delete(id);
        call.reject(new Error(`the solve worker for ${model} failed: ${event.message}`));
      }
    };
    worker.postMessage(this.#init);
    this.#workers.set(model, worker);
    return worker;
  }
}
