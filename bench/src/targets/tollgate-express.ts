/** Tollgate through `@tollgate/express`: the token endpoint (`tollgate(server)`) and `protect()` routes. */
import { protect, tollgate } from '@tollgate/express';
import express from 'express';
import { listenNode, type Started, type Variants } from '../listen.js';
import { AUDIENCE, OK_BODY, RS_ISSUER, SCOPE, keys, type Alg } from '../shared.js';
import { tollgateServer } from './tollgate-config.js';

function tokenApp(): Promise<Started> {
  const server = tollgateServer();
  const app = express();
  app.disable('x-powered-by');
  app.use(tollgate(server));
  return listenNode(app, () => server.close());
}

/** A resource server verifying `alg` tokens with the bench public key (no authorization server in-process). */
function protectApp(alg: Alg, cache: boolean): Promise<Started> {
  const app = express();
  app.disable('x-powered-by');
  const guard = protect(
    { issuer: RS_ISSUER, audience: AUDIENCE, keys: [{ key: keys()[alg].publicPem, alg, kid: keys()[alg].kid }], algorithms: [alg], ...(cache ? {} : { cache: false }) },
    { scopes: [SCOPE] },
  );
  app.get('/protected', guard, (_req, res) => {
    res.type('application/json').send(OK_BODY);
  });
  return listenNode(app);
}

export const variants: Variants = {
  token: tokenApp,
  'protect-eddsa': () => protectApp('EdDSA', true),
  'protect-eddsa-nocache': () => protectApp('EdDSA', false),
  'protect-rs256': () => protectApp('RS256', true),
};
