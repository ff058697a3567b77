import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type SqliteDatabase } from '../src/storage/database.js';
import { SqliteTicketStore } from '../src/tickets/sqlite-ticket-store.js';
import { ticketSchema } from '../src/tickets/ticket.js';
import { commentText, crashPlan, transcriptText } from './fixtures/file-tickets-until-killed.js';
import { sampleTicket, testSlaHours } from './fixtures/sample-tickets.js';
import { repoRoot, tempDir } from './support/test-app.js';

/** Tickets the child must have committed before it is killed. */
const KILL_AFTER = 25;

interface RawTicketRow {
  number: number;
  reference: string;
  customer: string;
  channel: string;
  transcript: string;
  classification: string | null;
  articles_tried: string;
  callback: string | null;
}

/** Runs the filing script and SIGKILLs it right after it reports `KILL_AFTER` committed tickets. */
async function fileTicketsThenKill(file: string): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/file-tickets-until-killed.ts', file], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const reported: string[] = [];
  for await (const line of createInterface({ input: child.stdout })) {
    reported.push(line);
    if (reported.length === KILL_AFTER) {
      child.kill('SIGKILL');
      break;
    }
  }
  const { signal } = await exited;
  if (signal !== 'SIGKILL') throw new Error(`filing script ended on its own (${reported.length} tickets): ${stderr}`);
  return reported;
}

describe('tickets after the process is killed mid-write (SIGKILL)', () => {
  let dir: string | undefined;
  let db: SqliteDatabase | undefined;
  afterEach(() => {
    db?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every ticket whole, references contiguous and the file intact', async () => {
    dir = tempDir('tierdesk-crash-');
    const file = path.join(dir, 'tierdesk.db');
    const reported = await fileTicketsThenKill(file);

    db = openDatabase(file);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.pragma('foreign_key_check')).toEqual([]);

    // References: TD-1001 … TD-(1000+count), no gaps, and every reported one is there.
    const numbers = db.prepare<[], { number: number }>('SELECT number FROM tickets ORDER BY number').all().map((r) => r.number);
    expect(numbers.length).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(numbers).toEqual(Array.from({ length: numbers.length }, (_, i) => 1001 + i));
    expect(reported).toEqual(Array.from({ length: KILL_AFTER }, (_, i) => `TD-${1001 + i}`));

    // Every JSON column of every row parses.
    const rows = db
      .prepare<[], RawTicketRow>('SELECT number, reference, customer, channel, transcript, classification, articles_tried, callback FROM tickets')
      .all();
    for (const row of rows) {
      for (const column of ['customer', 'channel', 'transcript', 'articles_tried'] as const) {
        expect(() => JSON.parse(row[column]), `${row.reference}.${column}`).not.toThrow();
      }
      expect(JSON.parse(row.classification ?? 'null')).toMatchObject({ tier: 'L1' });
      expect(row.callback).toBeNull();
    }

    // Every ticket is whole: it validates, carries the transcript the child wrote, and its comments
    // are the child's, in order. Only the newest ticket may lack comments the child had not written yet.
    const store = new SqliteTicketStore(db, testSlaHours);
    const { items, total } = await store.list({ limit: numbers.length, offset: 0 });
    expect(total).toBe(numbers.length);
    const newest = numbers.at(-1);
    for (const ticket of items) {
      expect(() => ticketSchema.parse(ticket), ticket.reference).not.toThrow();
      const n = Number(ticket.reference.slice(3)) - 1000;
      const plan = crashPlan(n);
      expect(JSON.parse(ticket.description)).toEqual({ n, ...plan });
      expect(ticket.transcript).toHaveLength(plan.transcriptLength);
      expect(ticket.transcript.map((entry) => entry.text)).toEqual(
        Array.from({ length: plan.transcriptLength }, (_, entry) => transcriptText(n, entry)),
      );
      const expectedComments = Array.from({ length: plan.comments }, (_, c) => commentText(n, c + 1));
      const comments = ticket.comments.map((c) => c.text);
      if (Number(ticket.reference.slice(3)) === newest) {
        expect(expectedComments.slice(0, comments.length)).toEqual(comments);
      } else {
        expect(comments, ticket.reference).toEqual(expectedComments);
      }
    }

    // And filing goes on where it stopped.
    expect((await store.create(sampleTicket())).reference).toBe(`TD-${(newest ?? 1000) + 1}`);
  });
});
