import { createHash, randomBytes } from 'node:crypto';
import type { Agent } from './agent.js';
import type { AgentStore } from './agent-store.js';
import { verifyAgainstDummy, verifyPassword } from './passwords.js';

function digest(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Console sign-in and sessions. The cookie holds a random 256-bit token; only its SHA-256 is
 * stored, so a copy of the database does not let anyone sign in. Each session has its own CSRF
 * token, which the console echoes in `X-CSRF-Token` on every state-changing request.
 */
export class AgentSessions {
  constructor(
    private readonly store: AgentStore,
    private readonly sessionHours: number,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Undefined for a wrong email or password, or a disabled account (indistinguishable on purpose). */
  async signIn(email: string, password: string): Promise<{ agent: Agent; token: string; csrfToken: string; expiresAt: string } | undefined> {
    const found = await this.store.findByEmail(email);
    const ok = found === undefined ? await verifyAgainstDummy(password) : await verifyPassword(found.passwordHash, password);
    if (!ok || found === undefined || found.agent.disabled) return undefined;
    const token = randomBytes(32).toString('base64url');
    const csrfToken = randomBytes(24).toString('base64url');
    const now = this.now();
    const expiresAt = new Date(now.getTime() + this.sessionHours * 3_600_000).toISOString();
    await this.store.createSession(digest(token), { agentId: found.agent.id, csrfToken, expiresAt }, now);
    return { agent: found.agent, token, csrfToken, expiresAt };
  }

  /** The signed-in, enabled agent for a cookie token, with the session's CSRF token. */
  async authenticate(token: string | undefined): Promise<{ agent: Agent; csrfToken: string } | undefined> {
    if (token === undefined || token === '' || token.length > 200) return undefined;
    const session = await this.store.findSession(digest(token), this.now());
    if (session === undefined) return undefined;
    const agent = await this.store.get(session.agentId);
    if (agent === undefined || agent.disabled) return undefined;
    return { agent, csrfToken: session.csrfToken };
  }

  async signOut(token: string | undefined): Promise<void> {
    if (token !== undefined && token !== '') await this.store.deleteSession(digest(token));
  }
}
