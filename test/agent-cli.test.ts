import path from 'node:path';
import { rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runAgentCli, type CliIo } from '../src/agents/agent-cli.js';
import { AgentSessions } from '../src/agents/agent-sessions.js';
import { SqliteAgentStore } from '../src/agents/sqlite-agent-store.js';
import { openDatabase, type SqliteDatabase } from '../src/storage/database.js';
import { tempDir } from './support/test-app.js';

describe('npm run agent (CLI) and console sign-in', () => {
  let dir: string;
  let db: SqliteDatabase;
  let store: SqliteAgentStore;
  let out: string[];
  let err: string[];
  const io = (env: NodeJS.ProcessEnv, answers: string[] = []): CliIo => ({
    env,
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    promptPassword: async () => answers.shift() ?? '',
  });

  beforeEach(() => {
    dir = tempDir('tierdesk-agent-cli-');
    db = openDatabase(path.join(dir, 'tierdesk.db'));
    store = new SqliteAgentStore(db);
    out = [];
    err = [];
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('adds agents (password from AGENT_PASSWORD or prompted twice), lists, disables and enables them', async () => {
    expect(await runAgentCli(['add', '--name', 'Ana Silva', '--email', 'Ana@Example.com', '--tiers', 'l1,L3', '--capacity', '2', '--admin', '--language', 'pt'], store, io({ AGENT_PASSWORD: 'a long password' }))).toBe(0);
    expect(out.at(-1)).toMatch(/^Added ana@example\.com\tAna Silva\ttiers L1,L3\tcapacity 2\tadmin\taway$/);
    expect(await runAgentCli(['add', '--name', 'Bo', '--email', 'bo@example.com', '--tiers', 'L2'], store, io({}, ['prompted password', 'prompted password']))).toBe(0);
    expect(await runAgentCli(['add', '--name', 'Cy', '--email', 'cy@example.com', '--tiers', 'L2'], store, io({}, ['one password!', 'another one!']))).toBe(1);
    expect(err.at(-1)).toBe('The two passwords differ.');

    out = [];
    expect(await runAgentCli(['list'], store, io({}))).toBe(0);
    expect(out.map((line) => line.split('\t')[0])).toEqual(['ana@example.com', 'bo@example.com']);

    const sessions = new AgentSessions(store, 12);
    expect(await sessions.signIn('ana@example.com', 'a long password')).toBeDefined();
    expect(await sessions.signIn('bo@example.com', 'prompted password')).toBeDefined();
    expect(await sessions.signIn('bo@example.com', 'wrong password')).toBeUndefined();
    expect(await sessions.signIn('nobody@example.com', 'prompted password')).toBeUndefined();

    const signed = (await sessions.signIn('bo@example.com', 'prompted password'))!;
    expect(await sessions.authenticate(signed.token)).toMatchObject({ agent: { email: 'bo@example.com' }, csrfToken: signed.csrfToken });
    expect(await runAgentCli(['disable', 'bo@example.com'], store, io({}))).toBe(0);
    expect(await sessions.authenticate(signed.token)).toBeUndefined();
    expect(await sessions.signIn('bo@example.com', 'prompted password')).toBeUndefined();
    expect(await runAgentCli(['enable', 'bo@example.com'], store, io({}))).toBe(0);
    expect(await sessions.signIn('bo@example.com', 'prompted password')).toBeDefined();

    expect(await runAgentCli(['password', 'bo@example.com'], store, io({ AGENT_PASSWORD: 'brand new password' }))).toBe(0);
    expect(await sessions.signIn('bo@example.com', 'prompted password')).toBeUndefined();
    expect(await sessions.signIn('bo@example.com', 'brand new password')).toBeDefined();
    // The password is stored as an argon2id hash, never as given.
    expect((await store.findByEmail('bo@example.com'))!.passwordHash).toMatch(/^\$argon2id\$/);
  });

  it('refuses bad input with a message naming the option, and a duplicate email', async () => {
    const env = { AGENT_PASSWORD: 'a long password' };
    expect(await runAgentCli(['add', '--name', 'Ana', '--email', 'ana@example.com', '--tiers', 'L5'], store, io(env))).toBe(1);
    expect(err.at(-1)).toMatch(/--tiers: "L5" is not one of L1, L2, L3, L4/);
    expect(await runAgentCli(['add', '--name', 'Ana', '--email', 'not-an-email', '--tiers', 'L1'], store, io(env))).toBe(1);
    expect(err.at(-1)).toMatch(/^--email:/);
    expect(await runAgentCli(['add', '--name', 'Ana', '--email', 'ana@example.com', '--tiers', 'L1'], store, io({ AGENT_PASSWORD: 'short' }))).toBe(1);
    expect(err.at(-1)).toMatch(/^--password: at least 10 characters/);
    expect(await runAgentCli(['add', '--name', 'Ana', '--email', 'ana@example.com', '--tiers', 'L1'], store, io(env))).toBe(0);
    expect(await runAgentCli(['add', '--name', 'Ana 2', '--email', 'ANA@example.com', '--tiers', 'L1'], store, io(env))).toBe(1);
    expect(err.at(-1)).toMatch(/already exists/);
    expect(await runAgentCli(['disable', 'ghost@example.com'], store, io({}))).toBe(1);
    expect(await runAgentCli(['frobnicate'], store, io({}))).toBe(2);
    expect(err.at(-1)).toMatch(/^Usage:/);
  });
});
