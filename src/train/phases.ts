/**
 * What the training schedules (depth curriculum, difficulty tiers) share: a non-empty list
 * of phases in increasing order of `from`, validated with zod into one-line errors.
 *
 * @module
 */
import { z } from "zod";

/** `phase` as a schedule: at least one, in increasing `from` (starting at 0 when `fromZero`). */
export function phaseList<T extends z.ZodType<{ from: number }>>(
  phase: T,
  fromZero: boolean,
): z.ZodType<z.infer<T>[]> {
  return z.array(phase).min(1).refine(
    (phases) =>
      (!fromZero || phases[0].from === 0) &&
      phases.every((p, i) => i === 0 || p.from > phases[i - 1].from),
    {
      message: fromZero
        ? "phases start at from 0 and go in increasing order of `from`"
        : "phases must be in increasing order of `from`",
    },
  ) as unknown as z.ZodType<z.infer<T>[]>;
}

/**
 * Parses `value` with `schema`; a RangeError names the option, the first problem's path and
 * an example (`name[1].tCycles: Too small… (expected e.g. …)`).
 */
export function parsePhases<T>(
  schema: z.ZodType<T>,
  value: unknown,
  name: string,
  example: string,
): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const i = r.error.issues[0];
  throw new RangeError(
    `${name}${
      i.path.length ? `[${i.path.join("].")}` : ""
    }: ${i.message} (expected e.g. ${example})`,
  );
}
