/**
 * `GET /openapi.json`: an OpenAPI 3.1 document generated from the zod schemas with
 * `z.toJSONSchema` (JSON Schema 2020-12, which OpenAPI 3.1 uses as is).
 *
 * @module
 */
import { z } from "zod";
import denoConfig from "../../deno.json" with { type: "json" };
import { type ApiSchemas, apiSchemas, DEFAULT_LIMITS, type ServerLimits } from "./schemas.ts";

type Json = Record<string, unknown>;

function schemaOf(schema: z.ZodType, io: "input" | "output"): Json {
  const json = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Json;
  delete json.$schema;
  return json;
}

/**
 * Builds the OpenAPI document for the server's routes and limits.
 *
 * @example
 * ```ts ignore
 * const doc = openApiDocument(DEFAULT_LIMITS);
 * console.log(Object.keys(doc.paths)); // ["/v1/solve", "/v1/models", "/healthz", "/openapi.json", "/"]
 * ```
 */
export function openApiDocument(limits: ServerLimits = DEFAULT_LIMITS): Record<string, unknown> {
  const schemas: ApiSchemas = apiSchemas(limits);
  const components: Record<string, Json> = {
    SolveRequest: schemaOf(schemas.SolveRequest, "input"),
    SolveResult: schemaOf(schemas.SolveResult, "output"),
    SolveBatchResponse: schemaOf(schemas.SolveBatchResponse, "output"),
    ArcSolveResult: schemaOf(schemas.ArcSolveResult, "output"),
    Error: schemaOf(schemas.ErrorResponse, "output"),
    ModelsResponse: schemaOf(schemas.ModelsResponse, "output"),
    Health: schemaOf(schemas.HealthResponse, "output"),
  };
  const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
  const json = (schema: Json, description: string) => ({
    description,
    content: { "application/json": { schema } },
  });
  const error = (description: string) => ({
    description,
    content: { "application/problem+json": { schema: ref("Error") } },
  });
  return {
    openapi: "3.1.0",
    info: {
      title: "TRM solver",
      version: denoConfig.version,
      description:
        "Solves Sudoku with a Tiny Recursive Model on WebGPU. Concurrent requests are batched " +
        `(window ${limits.batchWindowMs} ms, up to ${limits.maxBatch} puzzles per model call).`,
    },
    paths: {
      "/v1/solve": {
        post: {
          summary: "Solve one puzzle or a batch",
          description:
            "The model's answers as they are (never completed by an exact solver); `valid` says " +
            "whether each keeps the givens and breaks no rule. A single `puzzle` answers a SolveResult, " +
            "`puzzles` a SolveBatchResponse, an ARC `task` an ArcSolveResult (its copies' vote).",
          requestBody: {
            required: true,
            content: { "application/json": { schema: ref("SolveRequest") } },
          },
          responses: {
            200: json(
              { oneOf: [ref("SolveResult"), ref("SolveBatchResponse"), ref("ArcSolveResult")] },
              "the answers",
            ),
            400: error(
              "the body is not JSON, does not match SolveRequest, or holds an unreadable puzzle",
            ),
            404: error("the named model does not exist"),
            405: error("a method other than POST (the Allow header says which)"),
            408: error(`the body did not arrive within ${limits.bodyTimeoutMs} ms`),
            413: error(
              `the body exceeds ${limits.maxBodyBytes} bytes, or the request alone costs more than ${limits.maxQueuedCost} cell-steps`,
            ),
            415: error("a Content-Type other than application/json"),
            422: error("no model serves this puzzle size (yet)"),
            500: error("the model could not be loaded or run"),
            503: error(
              `the server is busy (queued work would exceed ${limits.maxQueuedCost} cell-steps; see Retry-After), the request ran past its ${limits.deadlineMs} ms deadline, or no GPU adapter is available`,
            ),
          },
        },
      },
      "/v1/models": {
        get: {
          summary: "The models served, their configs and measured accuracy",
          responses: {
            200: json(ref("ModelsResponse"), "the models"),
            500: error("a model could not be loaded"),
          },
        },
      },
      "/healthz": {
        get: {
          summary: "Liveness, the WebGPU adapter and the batcher's counters",
          responses: {
            200: json(ref("Health"), "healthy"),
            503: json(ref("Health"), "no GPU adapter"),
          },
        },
      },
      "/openapi.json": {
        get: {
          summary: "This document",
          responses: { 200: { description: "OpenAPI 3.1 document" } },
        },
      },
      "/": {
        get: {
          summary: "A page to type a Sudoku and watch the model refine its answer step by step",
          responses: { 200: { description: "HTML", content: { "text/html": {} } } },
        },
      },
    },
    components: { schemas: components },
  };
}
