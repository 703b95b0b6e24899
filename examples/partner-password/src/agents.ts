import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

/** Demo agents. A real partner API keeps these in its database, with passwords hashed by a slow KDF as here. */
const DEMO_AGENTS = [
  { partnerId: '10000', email: 'client1@company.com', password: 'partner-demo-password', agentId: 'f9683b7b-e332-4864-b725-ac6cdc207dbd', siteId: 10115, role: 'AGENT' },
];

interface StoredAgent {
  partnerId: string;
  email: string;
  agentId: string;
  siteId: number;
  role: string;
  salt: Buffer;
  hash: Buffer;
}

const hashPassword = (password: string, salt: Buffer): Buffer => scryptSync(password, salt, 32, { N: 16384, r: 8, p: 1 });
/** Emails are unique within a partner only. */
const keyOf = (partnerId: string, email: string): string => `${partnerId}\0${email.toLowerCase()}`;

const agents = new Map<string, StoredAgent>(
  DEMO_AGENTS.map(({ password, ...agent }) => {
    const salt = randomBytes(16);
    return [keyOf(agent.partnerId, agent.email), { ...agent, salt, hash: hashPassword(password, salt) }];
  }),
);
const dummySalt = randomBytes(16);
const dummyHash = hashPassword('not-a-password', dummySalt);

/** Check an agent's email and password within a partner; unknown agents cost the same time as known ones. */
export function checkAgent(partnerId: string, email: string, password: string): StoredAgent | undefined {
  const agent = agents.get(keyOf(partnerId, email));
  const actual = hashPassword(password, agent?.salt ?? dummySalt);
  return timingSafeEqual(actual, agent?.hash ?? dummyHash) && agent !== undefined ? agent : undefined;
}

/** The User Info object of an agent, by agent id: `{ agentId, siteId, role }`. */
export function userInfo(agentId: string): { agentId: string; siteId: number; role: string } | undefined {
  for (const agent of agents.values()) {
    if (agent.agentId === agentId) return { agentId: agent.agentId, siteId: agent.siteId, role: agent.role };
  }
  return undefined;
}

export const demoAgents = DEMO_AGENTS.map(({ partnerId, email, password }) => ({ partnerId, email, password }));
