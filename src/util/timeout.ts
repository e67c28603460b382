/**
 * Turns a callback-style request into a promise that settles within `timeoutMs`: with the value,
 * with `onError(err)`, or with `onTimeout()` when the callback never comes.
 */
export function callbackWithin<T>(
  start: (callback: (err: Error | undefined | null, value: T) => void) => void,
  timeoutMs: number,
  onTimeout: () => Error,
  onError: (err: Error) => Error,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), timeoutMs);
    start((err, value) => {
      clearTimeout(timer);
      if (err) reject(onError(err));
      else resolve(value);
    });
  });
}
