import { createProtector, toNodeListener, writeNodeResponse } from '@tollgate/core';
import { listenOnLoopback, runConformance } from '../src/conformance.js';

// The core's own node:http listener, the reference every adapter must match; /protected is a bare protector.
runConformance('core toNodeListener', async (server) => {
  const endpoints = toNodeListener(server);
  const check = createProtector({ server }).guard({ scopes: ['orders:read'] });
  return listenOnLoopback((req, res) => {
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== '/protected') return endpoints(req, res);
    void check({ method: req.method ?? 'GET', url: req.url ?? '/', headers: req.headers }).then((result) => {
      if (!result.ok) return writeNodeResponse(res, result.response, req.method);
      writeNodeResponse(res, { status: 200, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ sub: result.auth.sub, client_id: result.auth.client_id }) });
    });
  });
});
