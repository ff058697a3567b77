import { randomUUID } from 'node:crypto';
import type { SqliteDatabase } from '../storage/database.js';
import { prepared } from '../storage/statement-cache.js';
import type { Tier } from '../tickets/ticket.js';
import type { Agent, AgentSession } from './agent.js';
import { DuplicateAgentError, type AgentStore } from './agent-store.js';

interface AgentRow {
  id: string;
  name: string;
  email: string;
  password_hash: string;
  tiers: string;
  capacity: number;
  status: Agent['status'];
  admin: number;
  language: Agent['language'];
  disabled_at: string | null;
}

function toAgent(row: AgentRow): Agent {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    tiers: JSON.parse(row.tiers) as Tier[],
    capacity: row.capacity,
    status: row.status,
    admin: row.admin === 1,
    language: row.language,
    disabled: row.disabled_at !== null,
  };
}

/** AgentStore on the embedded SQLite database (tables from migration 7). */
export class SqliteAgentStore implements AgentStore {
  constructor(private readonly db: SqliteDatabase) {}

  async create(input: Omit<Agent, 'id' | 'disabled' | 'status'> & { passwordHash: string }, now: Date): Promise<Agent> {
    const id = `a_${randomUUID()}`;
    try {
      this.db
        .prepare(
          `INSERT INTO agents (id, name, email, password_hash, tiers, capacity, status, admin, language, created_at)
           VALUES (?, ?, ?, ?, ?, ?, 'away', ?, ?, ?)`,
        )
        .run(id, input.name, input.email.toLowerCase(), input.passwordHash, JSON.stringify(input.tiers), input.capacity, input.admin ? 1 : 0, input.language, now.toISOString());
    } catch (error) {
      if (error instanceof Error && /UNIQUE constraint failed: agents.email/.test(error.message)) throw new DuplicateAgentError(input.email);
      throw error;
    }
    return (await this.get(id))!;
  }

  async get(id: string): Promise<Agent | undefined> {
    const row = this.db.prepare('SELECT * FROM agents WHERE id = ?').get(id) as AgentRow | undefined;
    return row === undefined ? undefined : toAgent(row);
  }

  async findByEmail(email: string): Promise<{ agent: Agent; passwordHash: string } | undefined> {
    const row = this.db.prepare('SELECT * FROM agents WHERE email = ?').get(email.trim().toLowerCase()) as AgentRow | undefined;
    return row === undefined ? undefined : { agent: toAgent(row), passwordHash: row.password_hash };
  }

  async list(): Promise<Agent[]> {
    // Read on turns that may offer live chat (handoff-service.ts): compiled once per database.
    return (prepared(this.db, 'SELECT * FROM agents ORDER BY name, email').all() as AgentRow[]).map(toAgent);
  }

  async update(id: string, changes: Partial<Pick<Agent, 'status' | 'language' | 'name' | 'tiers' | 'capacity' | 'admin'>>): Promise<Agent | undefined> {
    const sets: string[] = [];
    const params: unknown[] = [];
    if (changes.status !== undefined) (sets.push('status = ?'), params.push(changes.status));
    if (changes.language !== undefined) (sets.push('language = ?'), params.push(changes.language));
    if (changes.name !== undefined) (sets.push('name = ?'), params.push(changes.name));
    if (changes.tiers !== undefined) (sets.push('tiers = ?'), params.push(JSON.stringify(changes.tiers)));
    if (changes.capacity !== undefined) (sets.push('capacity = ?'), params.push(changes.capacity));
    if (changes.admin !== undefined) (sets.push('admin = ?'), params.push(changes.admin ? 1 : 0));
    if (sets.length > 0) this.db.prepare(`UPDATE agents SET ${sets.join(', ')} WHERE id = ?`).run(...params, id);
    return this.get(id);
  }

  async setDisabled(id: string, disabled: boolean, now: Date): Promise<Agent | undefined> {
    this.db.transaction(() => {
      this.db.prepare("UPDATE agents SET disabled_at = ?, status = 'away' WHERE id = ?").run(disabled ? now.toISOString() : null, id);
      if (disabled) this.db.prepare('DELETE FROM agent_sessions WHERE agent_id = ?').run(id);
    })();
    return this.get(id);
  }

  async setPasswordHash(id: string, passwordHash: string): Promise<void> {
    this.db.prepare('UPDATE agents SET password_hash = ? WHERE id = ?').run(passwordHash, id);
  }

  async createSession(tokenHash: string, session: AgentSession, now: Date): Promise<void> {
    this.db.transaction(() => {
      // Expired sessions are swept on every sign-in, so the table stays small without a timer.
      this.db.prepare('DELETE FROM agent_sessions WHERE expires_at <= ?').run(now.toISOString());
      this.db
        .prepare('INSERT INTO agent_sessions (token_hash, agent_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)')
        .run(tokenHash, session.agentId, session.csrfToken, now.toISOString(), session.expiresAt);
    })();
  }

  async findSession(tokenHash: string, now: Date): Promise<AgentSession | undefined> {
    const row = this.db
      .prepare('SELECT agent_id, csrf_token, expires_at FROM agent_sessions WHERE token_hash = ? AND expires_at > ?')
      .get(tokenHash, now.toISOString()) as { agent_id: string; csrf_token: string; expires_at: string } | undefined;
    return row === undefined ? undefined : { agentId: row.agent_id, csrfToken: row.csrf_token, expiresAt: row.expires_at };
  }

  async deleteSession(tokenHash: string): Promise<void> {
    this.db.prepare('DELETE FROM agent_sessions WHERE token_hash = ?').run(tokenHash);
  }
}
