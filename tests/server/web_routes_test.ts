/**
 * The browser mode's routes through `app.request()`: the bundle (and a 404 that says the
 * page will solve on the server when it cannot be built), the shipped models' files by
 * plain name only, and the page's CSP that lets it import its own bundle.
 */
import { createApp } from "../../src/server/app.ts";
import type { WebAssets } from "../../src/server/web_routes.ts";
import { ModelRegistry } from "../../src/solve/registry.ts";

function assertEquals<T>(actual: T, expected: T, label = ""): void {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${label}: got ${a}, expected ${e}`);
}

/** Web assets from memory; records which names were asked for. */
function assets(bundle: string | null): WebAssets & { asked: string[] } {
  const files: Record<string, Uint8Array> = {
    "index.json": new TextEncoder().encode('{"version":1,"models":[]}'),
    "m.safetensors": new Uint8Array([1, 2, 3]),
  };
  const asked: string[] = [];
  return {
    asked,
    bundle: () => Promise.resolve(bundle),
    modelFile: (name) => {
      asked.push(name);
      return Promise.resolve(files[name] ?? null);
    },
  };
}

const app = (web?: WebAssets) => createApp({ registry: ModelRegistry.fromModels([]), web });

Deno.test("GET /trm.js serves the bundle, or a 404 when it cannot be built", async () => {
  const ok = await app(assets("export const x = 1;")).request("/trm.js");
  assertEquals(ok.status, 200, "status");
  assertEquals(ok.headers.get("content-type"), "text/javascript; charset=utf-8", "type");
  assertEquals(await ok.text(), "export const x = 1;", "body");
  const none = await app(assets(null)).request("/trm.js");
  assertEquals(none.status, 404, "no bundle");
  assertEquals((await none.json()).detail.includes("solves on the server"), true, "says why");
  assertEquals((await app().request("/trm.js")).status, 404, "no web assets at all");
  assertEquals((await app(assets("")).request("/trm.js", { method: "POST" })).status, 405, "405");
});

Deno.test("GET /models/NAME serves plain names of the models' folder only", async () => {
  const web = assets("");
  const a = app(web);
  const index = await a.request("/models/index.json");
  assertEquals([index.status, index.headers.get("content-type")], [200, "application/json"]);
  const model = await a.request("/models/m.safetensors");
  assertEquals(model.status, 200, "model");
  assertEquals([...new Uint8Array(await model.arrayBuffer())], [1, 2, 3], "bytes");
  for (const path of ["/models/x.safetensors", "/models/state", "/models/.hidden.safetensors"]) {
    assertEquals((await a.request(path)).status, 404, path);
  }
  assertEquals((await a.request("/models/state/run.train.safetensors")).status, 404, "folders");
  assertEquals((await a.request("/models/..%2Fdeno.json")).status, 404, "escapes");
  assertEquals(web.asked, ["index.json", "m.safetensors", "x.safetensors"], "names looked up");
});

Deno.test("GET / lets the page import its own bundle and nothing else", async () => {
  const res = await app(assets("")).request("/");
  const csp = res.headers.get("content-security-policy") ?? "";
  assertEquals(csp.includes("script-src 'self' 'unsafe-inline'"), true, csp);
  assertEquals(csp.includes("connect-src 'self'"), true, csp);
});
