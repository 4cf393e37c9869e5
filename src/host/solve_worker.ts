/**
 * A worker that solves batches with one model on its own GPU device: the host side of
 * {@linkcode WorkerSolver}. Each worker has its own WebGPU queue, so a long batch of one
 * model (and the readbacks that block its thread until the GPU is idle) does not hold
 * up another model's batches or the server's event loop.
 *
 * Messages in: `{ init: { index, models } }` once (URLs as strings), then
 * `{ id, model, request }` to solve, `{ drop: id, index }` to take one puzzle out of a
 * running batch and `{ abort: id }` to stop a batch between supervision steps, and `{ close: true }` to release the device before the host ends the
 * worker. Messages out: `{ id, answers }`, `{ id, error: { name, message } }`, `{ closed: true }`.
 *
 * @module
 */
import type { AdapterProfile } from "../gpu/device.ts";
import { Gpu } from "../gpu/gpu.ts";
import { solveBatch } from "../solve/batch.ts";
import type { BatchRequest } from "../solve/batch.ts";
import { type ModelRegistry, openRegistry } from "../solve/registry.ts";
import { readFileOrNull } from "./files.ts";

/** What the worker is told to do. */
export type WorkerInbound =
  | { init: { index?: string; models: string[]; profile?: AdapterProfile } }
  | { id: number; model: string; request: BatchRequest }
  | { abort: number }
  | { drop: number; index: number }
  | { close: true };

/** What the worker answers. */
export type WorkerOutbound =
  | { id: number; answers: unknown[] }
  | { id: number; error: { name: string; message: string } }
  | { closed: true };

interface WorkerScope {
  postMessage(message: WorkerOutbound): void;
  onmessage: ((event: MessageEvent<WorkerInbound>) => void) | null;
}

const scope = globalThis as unknown as WorkerScope;
let registry: Promise<ModelRegistry> | undefined;
const running = new Map<number, AbortController>();
/** Per running batch, the puzzles the host has said nobody wants any more. */
const dropped = new Map<number, Set<number>>();

async function solve(id: number, model: string, request: BatchRequest): Promise<void> {
  const stop = new AbortController();
  running.set(id, stop);
  const gone = new Set<number>();
  dropped.set(id, gone);
  try {
    if (!registry) throw new Error("the solve worker was not initialised");
    const models = await registry;
    const answers = await solveBatch(
      await models.model(model),
      request,
      stop.signal,
      (index) => gone.has(index),
      models.metadata(model),
    );
    scope.postMessage({ id, answers });
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    scope.postMessage({ id, error: { name: e.name, message: e.message } });
  } finally {
    running.delete(id);
    dropped.delete(id);
  }
}

scope.onmessage = ({ data }) => {
  if ("init" in data) {
    registry = openRegistry({
      readFile: readFileOrNull,
      indexUrl: data.init.index ? new URL(data.init.index) : undefined,
      modelFiles: data.init.models.map((href) => new URL(href)),
      // The kernel profile the host was told to force (TRM_KERNEL_PROFILE); none: detect.
      gpu: () => Gpu.create({ profile: data.init.profile }),
    });
    registry.catch(() => {}); // reported to each solve that awaits it
  } else if ("close" in data) {
    // Release the device before the host terminates this thread: terminating a thread
    // that still holds a WebGPU device has crashed the process at exit (heap corruption).
    for (const stop of running.values()) stop.abort(new DOMException("closing", "AbortError"));
    (async () => {
      try {
        (await (await registry)?.gpu())?.destroy();
      } catch { /* nothing to release */ }
      scope.postMessage({ closed: true });
    })();
  } else if ("drop" in data) {
    dropped.get(data.drop)?.add(data.index);
  } else if ("abort" in data) {
    running.get(data.abort)?.abort(new DOMException("the batch was aborted", "AbortError"));
  } else {
    solve(data.id, data.model, data.request);
  }
};
