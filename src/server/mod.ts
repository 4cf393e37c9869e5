/**
 * The HTTP server's parts: the Hono app factory, the request batcher, the zod schemas
 * and the OpenAPI document generated from them, and the page.
 *
 * @module
 */
export { createApp, type CreateAppOptions, type TrmApp } from "./app.ts";
export { Batcher, type BatcherOptions, type BatcherStats, QueueFullError } from "./batcher.ts";
export { openApiDocument } from "./openapi.ts";
export { PAGE_HTML } from "./page.ts";
export { DEFAULT_LIMITS, type ServerLimits } from "./schemas.ts";
export { limitsFromEnv } from "./env.ts";
