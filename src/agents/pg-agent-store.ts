import { randomUUID } from 'node:crypto';
import { inTransaction, type PgPool } from '../storage/postgres/pool.js';
import type { Tier } from '../tickets/ticket.js';
import type { Agent, AgentSession } from './agent.js';
import { DuplicateAgentError, type AgentStore } from './agent-store.js';

interface AgentRow {
  id: string;
  name: string;
  email: string;
  password_hash: string;
  tiers: Tier[];
  capacity: number;
  status: Agent['status'];
  admin: boolean;
  language: Agent['language'];
  disabled_at: string | null;
}

function toAgent(row: AgentRow): Agent {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    tiers: row.tiers,
    capacity: row.capacity,
    status: row.status,
    admin: row.admin,
    language: row.language,
    disabled: row.disabled_at !== null,
  };
}

/** AgentStore on PostgreSQL (tables from PostgreSQL migration 7): accounts and sessions shared by every instance. */
export class PgAgentStore implements AgentStore {
  constructor(private readonly pool: PgPool) {}

  async create(input: Omit<Agent, 'id' | 'disabled' | 'status'> & { passwordHash: string }, now: Date): Promise<Agent> {
    try {
      const { rows } = await this.pool.query<AgentRow>(
        `INSERT INTO agents (id, name, email, password_hash, tiers, capacity, status, admin, language, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'away', $7, $8, $9) RETURNING *`,
        [`a_${randomUUID()}`, input.name, input.email.toLowerCase(), input.passwordHash, JSON.stringify(input.tiers), input.capacity, input.admin, input.language, now.toISOString()],
      );
      return toAgent(rows[0]!);
    } catch (error) {
      if ((error as { code?: string }).code === '23505') throw new DuplicateAgentError(input.email);
      throw error;
    }
  }

  async get(id: string): Promise<Agent | undefined> {
    const { rows } = await this.pool.query<AgentRow>('SELECT * FROM agents WHERE id = $1', [id]);
    return rows[0] === undefined ? undefined : toAgent(rows[0]);
  }

  async findByEmail(email: string): Promise<{ agent: Agent; passwordHash: string } | undefined> {
    const { rows } = await this.pool.query<AgentRow>('SELECT * FROM agents WHERE email = $1', [email.trim().toLowerCase()]);
    return rows[0] === undefined ? undefined : { agent: toAgent(rows[0]), passwordHash: rows[0].password_hash };
  }

  async list(): Promise<Agent[]> {
    const { rows } = await this.pool.query<AgentRow>('SELECT * FROM agents ORDER BY name, email');
    return rows.map(toAgent);
  }

  async update(id: string, changes: Partial<Pick<Agent, 'status' | 'language' | 'name' | 'tiers' | 'capacity' | 'admin'>>): Promise<Agent | undefined> {
    await this.pool.query(
      `UPDATE agents SET status = coalesce($2, status), language = coalesce($3, language), name = coalesce($4, name),
         tiers = coalesce($5::jsonb, tiers), capacity = coalesce($6, capacity), admin = coalesce($7, admin) WHERE id = $1`,
      [id, changes.status ?? null, changes.language ?? null, changes.name ?? null, changes.tiers ? JSON.stringify(changes.tiers) : null, changes.capacity ?? null, changes.admin ?? null],
    );
    return this.get(id);
  }

  async setDisabled(id: string, disabled: boolean, now: Date): Promise<Agent | undefined> {
    await inTransaction(this.pool, async (client) => {
      await client.query("UPDATE agents SET disabled_at = $2, status = 'away' WHERE id = $1", [id, disabled ? now.toISOString() : null]);
      if (disabled) await client.query('DELETE FROM agent_sessions WHERE agent_id = $1', [id]);
    });
    return this.get(id);
  }

  async setPasswordHash(id: string, passwordHash: string): Promise<void> {
    await this.pool.query('UPDATE agents SET password_hash = $2 WHERE id = $1', [id, passwordHash]);
  }

  async createSession(tokenHash: string, session: AgentSession, now: Date): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      await client.query('DELETE FROM agent_sessions WHERE expires_at <= $1', [now.toISOString()]);
      await client.query('INSERT INTO agent_sessions (token_hash, agent_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)', [
        tokenHash,
        session.agentId,
        session.csrfToken,
        now.toISOString(),
        session.expiresAt,
      ]);
    });
  }

  async findSession(tokenHash: string, now: Date): Promise<AgentSession | undefined> {
    const { rows } = await this.pool.query<{ agent_id: string; csrf_token: string; expires_at: string }>(
      'SELECT agent_id, csrf_token, expires_at FROM agent_sessions WHERE token_hash = $1 AND expires_at > $2',
      [tokenHash, now.toISOString()],
    );
    const row = rows[0];
    return row === undefined ? undefined : { agentId: row.agent_id, csrfToken: row.csrf_token, expiresAt: row.expires_at };
  }

  async deleteSession(tokenHash: string): Promise<void> {
    await this.pool.query('DELETE FROM agent_sessions WHERE token_hash = $1', [tokenHash]);
  }
}
