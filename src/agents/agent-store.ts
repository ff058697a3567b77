import type { Agent, AgentSession } from './agent.js';

/** Raised when an email is already taken; the CLI reports it. */
export class DuplicateAgentError extends Error {
  constructor(readonly email: string) {
    super(`An agent with email ${email} already exists`);
    this.name = 'DuplicateAgentError';
  }
}

/**
 * Agent accounts and console sessions. Async so a PostgreSQL implementation can follow; the
 * SQLite one lives in sqlite-agent-store.ts. Passwords arrive already hashed (src/agents/passwords.ts).
 */
export interface AgentStore {
  create(input: Omit<Agent, 'id' | 'disabled' | 'status'> & { passwordHash: string }, now: Date): Promise<Agent>;
  get(id: string): Promise<Agent | undefined>;
  /** The account and its password hash, for sign-in. */
  findByEmail(email: string): Promise<{ agent: Agent; passwordHash: string } | undefined>;
  list(): Promise<Agent[]>;
  update(id: string, changes: Partial<Pick<Agent, 'status' | 'language' | 'name' | 'tiers' | 'capacity' | 'admin'>>): Promise<Agent | undefined>;
  /** Disabling also ends every session of the agent. */
  setDisabled(id: string, disabled: boolean, now: Date): Promise<Agent | undefined>;
  setPasswordHash(id: string, passwordHash: string): Promise<void>;

  createSession(tokenHash: string, session: AgentSession, now: Date): Promise<void>;
  /** The session for this token hash, if it exists and has not expired. */
  findSession(tokenHash: string, now: Date): Promise<AgentSession | undefined>;
  deleteSession(tokenHash: string): Promise<void>;
}
