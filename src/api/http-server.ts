import type { Server } from 'node:http';
import { serve, type ServerType } from '@hono/node-server';
import type { AppContext } from '../app-context';
import { streamsWebSocket } from '../streams/websocket';
import { createApp } from './app';

/**
 * The API on a real HTTP server. Idle connections stay open longer than a load balancer's
 * idle timeout (AWS ALB: 60 s): when the server closes one first, a proxy that reuses it
 * at that moment answers its client with a 502.
 */
export function startHttpServer(
  ctx: AppContext,
  where: { hostname: string; port: number },
): Promise<{ server: ServerType; port: number }> {
  return new Promise((resolve) => {
    const server = serve({ fetch: createApp(ctx).fetch, ...where, websocket: streamsWebSocket() }, (info) =>
      resolve({ server, port: info.port }),
    );
    const http = server as Server;
    http.keepAliveTimeout = ctx.config.keepAliveSeconds * 1000;
    // Node requires headersTimeout > keepAliveTimeout, else a slow next request is cut off first.
    http.headersTimeout = http.keepAliveTimeout + 1000;
  });
}
