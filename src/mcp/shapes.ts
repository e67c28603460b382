// Argument and result shapes several tools share.
import * as z from 'zod';
import { LIMITS } from './limits.js';

/** Entries a params record may hold: profiles declare a handful; this is far above any. */
export const MAX_PARAMS = 64;

export const sessionId = z
  .string()
  .max(LIMITS.name)
  .optional()
  .describe('The session (from open_session); may be omitted when exactly one session is open');

export const commandResult = {
  status: z
    .enum(['done', 'running', 'awaiting_input'])
    .describe(
      'done: finished; running: still going (call get_command); awaiting_input: it asks for something (send_text)',
    ),
  command_id: z.string(),
  exit_code: z.number().int().nullable().describe('null while running and on shell: none hops'),
  output: z.string().describe('What the command printed (head and tail when truncated)'),
  truncated: z.boolean(),
  bytes: z.number().int().describe('Bytes of output so far'),
  duration_ms: z.number().int(),
  cwd: z.string().optional(),
  failure: z.string().optional().describe('Set when a profile handler with fail: stopped it'),
  screen: z.string().optional().describe('The terminal, when the command awaits input'),
  idle_ms: z.number().int().optional().describe('While running: ms since it last printed'),
  left_hop: z
    .object({
      hop: z.string(),
      now_at: z.string().nullable(),
      reason: z.string(),
      exit_code: z.number().int().optional(),
    })
    .optional()
    .describe(
      "Set when the command ended its hop's shell (exit, exec) or the connection: where the session stands now (now_at null: closed). reopen walks back",
    ),
};

export const screenShape = {
  screen: z.string(),
  cursor: z.object({ row: z.number().int(), col: z.number().int() }),
  rows: z.number().int(),
  cols: z.number().int(),
};

export const sessionInfo = z.object({
  session_id: z.string(),
  profile: z.string(),
  label: z.string().nullable(),
  state: z.enum(['ready', 'busy', 'closed', 'broken']),
  reason: z.string().optional(),
  hop: z.string(),
  opened_at: z.string(),
  last_activity: z.string(),
});

export const params = z
  .record(z.string(), z.union([z.string().max(LIMITS.paramValue), z.number(), z.boolean()]))
  // Checked here rather than on the key schema: zod's error for a key names the key itself
  // (a 1 MiB name would come back in the error) and not the limit.
  .refine((r) => Object.keys(r).length <= MAX_PARAMS, {
    message: `Too many entries: expected at most ${MAX_PARAMS} parameters`,
  })
  .refine((r) => Object.keys(r).every((k) => k.length <= LIMITS.name), {
    message: `Too big: expected parameter names to have <=${LIMITS.name} characters`,
  })
  .optional()
  .describe("Values for the profile's parameters (list_profiles shows them)");
