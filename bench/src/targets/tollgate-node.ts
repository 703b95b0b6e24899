/** Tollgate's token endpoint on bare node:http through the core's `toNodeListener`. */
import { toNodeListener } from '@tollgate/core';
import { listenNode, type Variants } from '../listen.js';
import { tollgateServer } from './tollgate-config.js';

export const variants: Variants = {
  token: async () => {
    const server = tollgateServer();
    return listenNode(toNodeListener(server), () => server.close());
  },
};
