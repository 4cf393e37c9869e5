/**
 * The request batcher: gathering within the window, batch caps, failure isolation, queue
 * cap, aborted items dropped before they run, a batch nobody waits for stopped, cost.
 */
import { Batcher, QueueFullError } from "../../src/server/batcher.ts";

function assertEquals<T>(actual: T, expected: T, label = ""): void {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${label}: got ${a}, expected ${e}`);
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

Deno.test("items submitted within the window run as one batch, in order", async () => {
  const calls: string[][] = [];
  const b = new Batcher<number, string>(async (key, items) => {
    calls.push(items.map(String));
    await delay(5);
    return items.map((i) => `${key}:${i * 10}`);
  }, { windowMs: 20, maxBatch: 64, maxQueue: 100 });
  const out = await Promise.all([1, 2, 3, 4, 5].map((i) => b.submit("k", i)));
  assertEquals(out, ["k:10", "k:20", "k:30", "k:40", "k:50"], "outputs");
  assertEquals(calls, [["1", "2", "3", "4", "5"]], "one call");
  assertEquals(b.stats(), {
    queued: 0,
    queuedCost: 0,
    batches: 1,
    items: 5,
    largestBatch: 5,
    dropped: 0,
    abortedBatches: 0,
  }, "stats");
});

Deno.test("keys never share a batch; maxBatch splits; arrivals during a run form the next batch", async () => {
  const calls: [string, number[]][] = [];
  const b = new Batcher<number, number>(async (key, items) => {
    calls.push([key, items]);
    await delay(30);
    return items;
  }, { windowMs: 5, maxBatch: 3, maxQueue: 100 });
  const first = [1, 2, 3, 4].map((i) => b.submit("a", i));
  const other = b.submit("b", 9);
  await delay(10); // the first batch (full: 1, 2, 3) is running now
  const late = [5, 6].map((i) => b.submit("a", i));
  assertEquals(await Promise.all([...first, other, ...late]), [1, 2, 3, 4, 9, 5, 6], "outputs");
  // Oldest head first: 4 was queued before 9, and 5, 6 join 4's batch.
  assertEquals(calls, [["a", [1, 2, 3]], ["a", [4, 5, 6]], ["b", [9]]], "batches");
});

Deno.test("a failing batch is retried item by item: only the bad item fails", async () => {
  let calls = 0;
  const b = new Batcher<number, number>((_key, items) => {
    calls++;
    if (items.includes(-1)) return Promise.reject(new Error("bad item"));
    return Promise.resolve(items.map((i) => i + 1));
  }, { windowMs: 5, maxBatch: 8, maxQueue: 100 });
  const results = await Promise.allSettled([1, -1, 2].map((i) => b.submit("k", i)));
  assertEquals(results.map((r) => r.status), ["fulfilled", "rejected", "fulfilled"], "statuses");
  assertEquals(
    results.map((r) => r.status === "fulfilled" ? r.value : (r.reason as Error).message),
    [2, "bad item", 3],
    "values",
  );
  assertEquals(calls, 4, "one batch call and three single retries");
});

Deno.test("beyond maxQueue, submit rejects at once with QueueFullError", async () => {
  const b = new Batcher<number, number>(async (_k, items) => {
    await delay(10);
    return items;
  }, { windowMs: 5, maxBatch: 8, maxQueue: 2 });
  const ok = [b.submit("k", 1), b.submit("k", 2)];
  let error: unknown;
  try {
    await b.submit("k", 3);
  } catch (e) {
    error = e;
  }
  if (!(error instanceof QueueFullError)) throw new Error(`expected QueueFullError, got ${error}`);
  assertEquals(error.message, "the server is busy (2 puzzles queued); retry shortly", "message");
  assertEquals(await Promise.all(ok), [1, 2], "queued items still run");
});

Deno.test("an aborted item leaves the queue at once and never runs; cost is counted", async () => {
  const ran: number[] = [];
  const b = new Batcher<number, number>(async (_k, items) => {
    ran.push(...items);
    await delay(30);
    return items;
  }, { windowMs: 1, maxBatch: 1, maxQueue: 100 });
  const gone = new AbortController();
  const first = b.submit("k", 1, { cost: 10 });
  const dropped = [2, 3].map((i) => b.submit("k", i, { signal: gone.signal, cost: 5 }));
  const last = b.submit("k", 4, { cost: 7 });
  assertEquals(b.stats().queuedCost, 27, "cost of queued and running items");
  await delay(10); // item 1 is running, 2..4 wait
  gone.abort(new Error("client left"));
  const settled = await Promise.allSettled(dropped);
  assertEquals(settled.map((r) => r.status), ["rejected", "rejected"], "aborted items reject");
  assertEquals((settled[0] as PromiseRejectedResult).reason.message, "client left", "reason");
  assertEquals(b.stats().queued, 1, "only item 4 still waits");
  assertEquals(await Promise.all([first, last]), [1, 4], "the others still run");
  assertEquals(ran, [1, 4], "2 and 3 never reached run");
  assertEquals([b.stats().dropped, b.stats().queuedCost], [2, 0], "counters");
  // Already aborted: rejected without queueing.
  await Promise.allSettled([b.submit("k", 5, { signal: gone.signal })]);
  assertEquals([b.stats().dropped, b.stats().items], [3, 2], "dropped at submit");
});

Deno.test("a running batch whose items are all aborted sees its signal abort", async () => {
  let stoppedEarly = false;
  const b = new Batcher<number, number>(async (_k, items, signal) => {
    for (let step = 0; step < 50; step++) {
      if (signal.aborted) {
        stoppedEarly = true;
        throw signal.reason;
      }
      await delay(5);
    }
    return items;
  }, { windowMs: 1, maxBatch: 8, maxQueue: 100 });
  const a = new AbortController(), c = new AbortController();
  const jobs = Promise.allSettled([
    b.submit("k", 1, { signal: a.signal }),
    b.submit("k", 2, { signal: c.signal }),
  ]);
  await delay(15);
  a.abort(new Error("a left"));
  await delay(15);
  assertEquals(stoppedEarly, false, "one item still wanted: the batch goes on");
  c.abort(new Error("c left"));
  const results = await jobs;
  assertEquals(results.map((r) => r.status), ["rejected", "rejected"], "both rejected");
  await delay(20);
  assertEquals(
    [stoppedEarly, b.stats().abortedBatches, b.stats().queuedCost],
    [true, 1, 0],
    "stopped",
  );
});

Deno.test("lanes run side by side: a long batch in one lane does not hold up another lane", async () => {
  const log: string[] = [];
  const b = new Batcher<number, number>(async (key, items) => {
    log.push(`start ${key}`);
    await delay(key === "slow" ? 200 : 5);
    log.push(`end ${key}`);
    return items;
  }, { windowMs: 1, maxBatch: 8, maxQueue: 100, laneOf: (key) => key });
  const slow = b.submit("slow", 1);
  await delay(20); // the slow batch is running now
  const t0 = performance.now();
  await b.submit("fast", 2);
  const fastMs = performance.now() - t0;
  await slow;
  if (fastMs > 150) throw new Error(`the fast lane waited ${fastMs.toFixed(0)} ms`);
  assertEquals(log, ["start slow", "start fast", "end fast", "end slow"], "order");
});

Deno.test("one lane (the default): batches of different keys run one at a time", async () => {
  const log: string[] = [];
  const b = new Batcher<number, number>(async (key, items) => {
    log.push(`start ${key}`);
    await delay(20);
    log.push(`end ${key}`);
    return items;
  }, { windowMs: 1, maxBatch: 8, maxQueue: 100 });
  await Promise.all([b.submit("a", 1), b.submit("b", 2)]);
  assertEquals(log, ["start a", "end a", "start b", "end b"], "order");
});

Deno.test("lanes: an aborted item of a running batch stops that batch only", async () => {
  const stopped: string[] = [];
  const b = new Batcher<number, number>((key, items, signal) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => resolve(items), 60);
      signal.addEventListener("abort", () => {
        clearTimeout(timer);
        stopped.push(key);
        reject(signal.reason);
      });
    }), { windowMs: 1, maxBatch: 8, maxQueue: 100, laneOf: (key) => key });
  const gone = new AbortController();
  const a = b.submit("a", 1, { signal: gone.signal });
  const other = b.submit("b", 2);
  await delay(10);
  gone.abort(new Error("client left"));
  const [ra, rb] = await Promise.allSettled([a, other]);
  assertEquals([ra.status, rb.status], ["rejected", "fulfilled"], "statuses");
  assertEquals(stopped, ["a"], "stopped batches");
  assertEquals(b.stats().abortedBatches, 1, "abortedBatches");
});

Deno.test("a small request queued behind a large one rides in the next batch (round-robin by group)", async () => {
  const calls: string[][] = [];
  const b = new Batcher<string, string>(async (_key, items) => {
    calls.push(items);
    await delay(20);
    return items;
  }, { windowMs: 1, maxBatch: 4, maxQueue: 100 });
  const big = Array.from({ length: 10 }, (_, i) => b.submit("k", `big${i}`, { group: "big" }));
  await delay(5); // the first batch (big0–big3) is running now
  const small = b.submit("k", "small", { group: "small" });
  await Promise.all([...big, small]);
  assertEquals(calls, [
    ["big0", "big1", "big2", "big3"],
    ["big4", "big5", "big6", "small"],
    ["big7", "big8", "big9"],
  ], "batches");
});

Deno.test("without groups a key's queue is first in, first out", async () => {
  const calls: number[][] = [];
  const b = new Batcher<number, number>(async (_key, items) => {
    calls.push(items);
    await delay(10);
    return items;
  }, { windowMs: 1, maxBatch: 3, maxQueue: 100 });
  await Promise.all([1, 2, 3, 4, 5, 6, 7].map((i) => b.submit("k", i)));
  assertEquals(calls, [[1, 2, 3], [4, 5, 6], [7]], "batches");
});

Deno.test("a running batch learns which of its items were aborted (drops)", async () => {
  const seen: number[] = [];
  let check: (() => boolean[]) | undefined;
  const b = new Batcher<number, number>(async (_key, items, _signal, drops) => {
    drops.onDrop((i) => seen.push(i));
    check = () => items.map((_, i) => drops.isDropped(i));
    await delay(40);
    return items;
  }, { windowMs: 1, maxBatch: 8, maxQueue: 100 });
  const gone = new AbortController();
  const first = b.submit("k", 1, { signal: gone.signal });
  const second = b.submit("k", 2);
  await delay(10);
  gone.abort(new Error("client left"));
  const [r1, r2] = await Promise.allSettled([first, second]);
  assertEquals([r1.status, r2.status], ["rejected", "fulfilled"], "statuses");
  assertEquals(seen, [0], "dropped indices");
  assertEquals(check!(), [true, true], "after the run both are settled");
});
