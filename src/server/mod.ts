/**
 * The HTTP server's parts: the Hono app factory, the request batcher, the zod schemas
 * and the OpenAPI document generated from them, and the page.
 *
 * @module
 */
export { createApp, type CreateAppOptions, type ServeEnv, type TrmApp } from "./app.ts";
export type { BatchRequest, BatchSolver } from "../solve/batch.ts";
export type { ModelRegistry } from "../solve/registry.ts";
export { Batcher, type BatcherOptions, type BatcherStats, QueueFullError } from "./batcher.ts";
export { openApiDocument } from "./openapi.ts";
export { PAGE_HTML, pageHtml } from "./page.ts";
export type { WebAssets } from "./web_routes.ts";
export { DEFAULT_LIMITS, type ServerLimits } from "./schemas.ts";
export { limitsFromEnv } from "./env.ts";
