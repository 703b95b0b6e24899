/** Ceilings on Express 5: a hello-world GET, and a POST through `express.urlencoded()`. */
import express from 'express';
import { listenNode, type Variants } from '../listen.js';
import { OK_BODY } from '../shared.js';

function app(): express.Express {
  const server = express();
  server.disable('x-powered-by');
  server.get('/hello', (_req, res) => void res.type('application/json').send(OK_BODY));
  server.post('/form', express.urlencoded({ extended: false }), (req, res) => void res.json({ ok: true, grant_type: (req.body as Record<string, string>).grant_type }));
  return server;
}

export const variants: Variants = {
  get: () => listenNode(app()),
  post: () => listenNode(app()),
};
