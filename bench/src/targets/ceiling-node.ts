/** Ceilings on bare node:http: a hello-world GET, and a POST that reads and parses a urlencoded body. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenNode, type Variants } from '../listen.js';
import { OK_BODY } from '../shared.js';

const MAX_BODY = 64 * 1024;

function post(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > MAX_BODY) return void req.destroy();
    chunks.push(chunk);
  });
  req.on('end', () => {
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const body = JSON.stringify({ ok: true, grant_type: form.get('grant_type') });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  });
}

export const variants: Variants = {
  get: () => listenNode((_req, res) => void res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(OK_BODY) }).end(OK_BODY)),
  post: () => listenNode((req, res) => (req.method === 'POST' ? post(req, res) : void res.writeHead(405).end())),
};
