// TEMPORARY (until src/cli/main.ts registers train/eval): runs `train`/`eval` like cli.ts.
const [name, ...rest] = Deno.args;
const mod = name === "train"
  ? await import("../src/cli/train.ts")
  : await import("../src/cli/eval.ts");
try {
  Deno.exit(await mod.run(rest));
} catch (e) {
  console.error(`error: ${(e as Error).message}`);
  Deno.exit(1);
}
