// Argument shapes several tools share, with the wording they share: tools/list is sent to the
// model on every turn, so each description is as short as it can be while still telling the
// agent what to pass (issue 14).
import * as z from 'zod';
import { LIMITS } from './limits.js';

/** Entries a params record may hold: profiles declare a handful; this is far above any. */
export const MAX_PARAMS = 64;

export const sessionId = z
  .string()
  .max(LIMITS.name)
  .optional()
  .describe('From open_session; optional if only one is open');

export const waitSeconds = (what: string, max: number) =>
  z.number().positive().max(max).optional().describe(what);

export const params = z
  .record(
    z.string(),
    // Advertised as strings only: some clients reject a union (anyOf or a type array) inside a
    // record. Numbers and booleans are still taken, as their text, since profiles compare
    // parameter values as text anyway.
    z.preprocess(
      (v) => (typeof v === 'number' || typeof v === 'boolean' ? String(v) : v),
      z.string().max(LIMITS.paramValue),
    ),
  )
  // Checked here rather than on the key schema: zod's error for a key names the key itself
  // (a 1 MiB name would come back in the error) and not the limit.
  .refine((r) => Object.keys(r).length <= MAX_PARAMS, {
    message: `Too many entries: expected at most ${MAX_PARAMS} parameters`,
  })
  .refine((r) => Object.keys(r).every((k) => k.length <= LIMITS.name), {
    message: `Too big: expected parameter names to have <=${LIMITS.name} characters`,
  })
  .optional()
  .describe("The profile's parameters (see list_profiles), values as strings");
