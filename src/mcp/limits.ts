// The bounds every tool argument and result is held to (issue 13). They are advertised in the
// tool schemas (zod .max()), so a client sees them before it calls, and enforced by the SDK's
// validation, so an oversized argument is refused before any handler work. The transport bound
// comes first: the SDK's stdio reader gives up on a message over 10 MiB, so every request and
// every result stays well under it after JSON encoding.

/** Characters, per argument kind. */
export const LIMITS = {
  /** A profile, parameter or tool-defined name; a session or command id. */
  name: 256,
  /** A session label (stored and listed). */
  label: 256,
  /** A parameter value. */
  paramValue: 4096,
  /** An agent's regex (wait_for, send_text's wait_for, search patterns). */
  pattern: 2048,
  /** A remote or local path. */
  path: 4096,
  /** A command line for execute_command. */
  command: 64 * 1024,
  /** Text typed by send_text. */
  text: 64 * 1024,
  /** A key sequence for send_keys (names and literal text). */
  keys: 4096,
  /** write_file's content in one call (base64 or text); larger files go in chunks (offset). */
  content: 4 * 1024 * 1024,
  /** read_file's bytes in one call; larger files are read in chunks (offset, length). */
  readBytes: 2 * 1024 * 1024,
  /** A whole tool result, text and structured content together, as JSON. */
  result: 6 * 1024 * 1024,
  /** Any other string argument. */
  other: 4096,
} as const;
