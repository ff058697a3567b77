import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { loadConfig, loadDotEnv } from '../config.js';
import { openHandoffStores } from '../handoff/handoff-stores.js';
import { openStores } from '../storage/stores.js';
import { tierSchema } from '../tickets/ticket.js';
import { newAgentSchema, type Agent } from './agent.js';
import { DuplicateAgentError, type AgentStore } from './agent-store.js';
import { hashPassword } from './passwords.js';

const USAGE = `Usage:
  npm run agent -- add --name "Ana Silva" --email ana@example.com --tiers L1,L3 [--capacity 3] [--admin] [--language en|pt|pl]
  npm run agent -- list
  npm run agent -- disable <email>
  npm run agent -- enable <email>
  npm run agent -- password <email>

The password is read from AGENT_PASSWORD when set (automation), otherwise prompted without echo.`;

/** Where the CLI reads the password and writes its output; tests pass their own. */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  out: (line: string) => void;
  err: (line: string) => void;
  promptPassword: (question: string) => Promise<string>;
}

function describe(agent: Agent): string {
  return `${agent.email}\t${agent.name}\ttiers ${agent.tiers.join(',')}\tcapacity ${agent.capacity}${agent.admin ? '\tadmin' : ''}\t${agent.disabled ? 'DISABLED' : agent.status}`;
}

async function readPassword(io: CliIo): Promise<string> {
  const fromEnv = io.env.AGENT_PASSWORD;
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  const first = await io.promptPassword('Password (10+ characters): ');
  const again = await io.promptPassword('Repeat password: ');
  if (first !== again) throw new Error('The two passwords differ.');
  return first;
}

/** Runs one CLI command against `store`; returns the exit code. */
export async function runAgentCli(argv: string[], store: AgentStore, io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'add': {
        const { values } = parseArgs({
          args: rest,
          options: {
            name: { type: 'string' },
            email: { type: 'string' },
            tiers: { type: 'string' },
            capacity: { type: 'string' },
            admin: { type: 'boolean', default: false },
            language: { type: 'string' },
          },
          strict: true,
        });
        const tiers = (values.tiers ?? '').split(',').map((t) => t.trim().toUpperCase()).filter(Boolean);
        for (const tier of tiers) if (!tierSchema.safeParse(tier).success) throw new Error(`--tiers: "${tier}" is not one of L1, L2, L3, L4`);
        const parsed = newAgentSchema.safeParse({
          name: values.name,
          email: values.email,
          tiers,
          ...(values.capacity === undefined ? {} : { capacity: Number(values.capacity) }),
          admin: values.admin,
          ...(values.language === undefined ? {} : { language: values.language }),
          password: await readPassword(io),
        });
        if (!parsed.success) {
          const issue = parsed.error.issues[0]!;
          throw new Error(`--${String(issue.path[0] ?? 'input')}: ${issue.message}`);
        }
        const { password, ...input } = parsed.data;
        const agent = await store.create({ ...input, passwordHash: await hashPassword(password) }, new Date());
        io.out(`Added ${describe(agent)}`);
        return 0;
      }
      case 'list': {
        const agents = await store.list();
        if (agents.length === 0) io.out('No agents yet. Add one with: npm run agent -- add …');
        for (const agent of agents) io.out(describe(agent));
        return 0;
      }
      case 'disable':
      case 'enable':
      case 'password': {
        const email = rest[0];
        if (email === undefined) throw new Error(`${command} needs the agent's email`);
        const found = await store.findByEmail(email);
        if (found === undefined) throw new Error(`No agent with email ${email}`);
        if (command === 'password') {
          const password = await readPassword(io);
          if (password.length < 10) throw new Error('The password needs at least 10 characters');
          await store.setPasswordHash(found.agent.id, await hashPassword(password));
          io.out(`Password changed for ${found.agent.email}`);
          return 0;
        }
        const agent = await store.setDisabled(found.agent.id, command === 'disable', new Date());
        io.out(`${command === 'disable' ? 'Disabled (signed out everywhere)' : 'Enabled'}: ${describe(agent!)}`);
        return 0;
      }
      default:
        io.err(USAGE);
        return command === undefined || command === 'help' || command === '--help' ? 0 : 2;
    }
  } catch (error) {
    if (error instanceof DuplicateAgentError) io.err(error.message);
    else io.err(error instanceof Error ? error.message : String(error));
    return 1;
  }
}

/** Prompts on the terminal without echoing what is typed. */
function promptHidden(question: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
    const write = (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput;
    // readline has no "hide input" switch; muting its echo is the documented workaround.
    (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
      if (s.startsWith(question)) write.call(rl, s);
    };
    rl.question(question, (answer) => {
      rl.close();
      process.stdout.write('\n');
      resolve(answer);
    });
  });
}

async function main(): Promise<void> {
  loadDotEnv();
  const config = loadConfig();
  // The same backend as the bot (DATABASE_URL selects PostgreSQL), so agents added here can sign in there.
  const stores = openStores({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, slaHours: config.sla.hours });
  try {
    await stores.ready();
    process.exitCode = await runAgentCli(process.argv.slice(2), openHandoffStores(stores).agents, {
      env: process.env,
      out: (line) => process.stdout.write(`${line}\n`),
      err: (line) => process.stderr.write(`${line}\n`),
      promptPassword: promptHidden,
    });
  } finally {
    await stores.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
