import { createServer, connect, type Socket } from 'node:net';

export interface FreezableProxy {
  port: number;
  frozen: boolean;
  /** Stops moving bytes both ways while keeping the TCP connections open: a hung bastion. */
  freeze(): void;
  /** Moves bytes again, including what was held back. */
  thaw(): void;
  close(): Promise<void>;
}

/**
 * A TCP proxy on 127.0.0.1 in front of the lab. Frozen, it reads nothing from either side, so
 * clients see a connection that is up but silent, the way a hung gateway behaves; nothing is
 * dropped, and thawing delivers what was held back.
 */
export async function startFreezableProxy(targetPort: number, port = 0): Promise<FreezableProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let frozen = false;
  const server = createServer((inbound) => {
    const outbound = connect(targetPort, '127.0.0.1');
    const pair: [Socket, Socket] = [inbound, outbound];
    pairs.add(pair);
    inbound.pipe(outbound);
    outbound.pipe(inbound);
    if (frozen) for (const s of pair) s.pause();
    const close = () => {
      pairs.delete(pair);
      inbound.destroy();
      outbound.destroy();
    };
    inbound.on('close', close).on('error', close);
    outbound.on('close', close).on('error', close);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  const address = server.address();
  const proxy: FreezableProxy = {
    port: typeof address === 'object' && address ? address.port : 0,
    get frozen() {
      return frozen;
    },
    freeze() {
      frozen = true;
      for (const pair of pairs) for (const s of pair) s.pause();
    },
    thaw() {
      frozen = false;
      for (const pair of pairs) for (const s of pair) s.resume();
    },
    close() {
      for (const pair of pairs) for (const s of pair) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
