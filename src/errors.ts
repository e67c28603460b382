/**
 * The one error type for everything a user can cause: a bad file, a refused login, a gateway
 * that answered something unexpected. `code` is stable and machine-readable; `message` says
 * what happened and what to do about it.
 */
export class GatewalkError extends Error {
  override readonly name = 'GatewalkError';

  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isGatewalkError(value: unknown): value is GatewalkError {
  return value instanceof GatewalkError;
}
