/** The contract between a target module and `serve.ts`. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { HOST } from './shared.js';

/** A listening target: its port and how to stop it (and clean up what it created in Redis/PostgreSQL). */
export interface Started {
  port: number;
  close(): Promise<void>;
}

/** A target module: one start function per variant. */
export type Variants = Record<string, () => Promise<Started>>;

/** A request listener: a node:http handler or an Express app. */
export type Listener = (req: IncomingMessage, res: ServerResponse) => unknown;

/** Listen with a plain node:http server on 127.0.0.1, on a port the OS picks. */
export function listenNode(listener: Listener | Server, onClose?: () => Promise<void>): Promise<Started> {
  const server = typeof listener === 'function' ? createServer(listener) : listener;
  // Keep-alive connections from the load generator must never be cut by the default 5 s idle timer mid-run.
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') return reject(new Error('no TCP address'));
      resolve({
        port: address.port,
        close: async () => {
          server.closeAllConnections();
          await new Promise<void>((done) => server.close(() => done()));
          await onClose?.();
        },
      });
    });
  });
}
