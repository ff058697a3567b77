import { describe, expect, it } from 'vitest';
import type { Agent } from '../src/agents/agent.js';
import type { Handoff } from '../src/handoff/handoff.js';
import { ticketSchema, type Ticket } from '../src/tickets/ticket.js';
import { supervisorStats } from '../src/workspace/supervisor-stats.js';
import { sampleTicket } from './fixtures/sample-tickets.js';

const NOW = new Date('2026-11-25T15:00:00Z');

function handoff(overrides: Partial<Handoff>): Handoff {
  return {
    id: `h_${Math.random()}`, ticketReference: 'TD-1', tier: 'L1', state: 'queued', question: 'q', language: 'en', channelId: 'test', conversationId: 'c',
    customer: { userId: 'u' }, classification: { tier: 'L1', source: 'model', score: 1, margin: 1, scores: {} }, articlesTried: [],
    queuedAt: '2026-11-25T14:00:00Z', waitSeconds: 0, awaitingSatisfaction: false, worthArticle: false, ...overrides,
  };
}

function ticket(reference: string, dueAt: string, overrides: Partial<Ticket> = {}): Ticket {
  // Parsed, so the schema's defaults fill what the new-ticket fixture leaves out.
  return ticketSchema.parse({ ...sampleTicket({ subject: `Subject ${reference}` }), reference, status: 'open', comments: [], createdAt: '2026-11-25T08:00:00Z', updatedAt: '2026-11-25T08:00:00Z', dueAt, ...overrides });
}

const NO_SLA = { tickets: [], slaPaused: new Set<string>(), warningMinutes: 120, mostSentArticles: [] };

function agent(overrides: Partial<Agent>): Agent {
  return { id: 'a', name: 'A', email: 'a@example.com', tiers: ['L1'], capacity: 3, status: 'online', admin: false, language: 'en', disabled: false, ...overrides };
}

describe('supervisor view numbers', () => {
  it('counts queues, longest waits, free slots of online agents and only today\'s resolved chats', () => {
    const stats = supervisorStats({
      queued: [handoff({ tier: 'L1', waitSeconds: 30 }), handoff({ tier: 'L1', waitSeconds: 300 }), handoff({ tier: 'L3', waitSeconds: 10 })],
      active: [handoff({ tier: 'L3', state: 'active' })],
      resolved: [
        handoff({ state: 'resolved', resolvedAt: '2026-11-25T09:00:00Z', satisfaction: 4, worthArticle: true, waitSeconds: 60 }),
        handoff({ state: 'resolved', resolvedAt: '2026-11-25T10:00:00Z', satisfaction: 5, waitSeconds: 120 }),
        handoff({ state: 'resolved', resolvedAt: '2026-11-24T23:59:59Z', satisfaction: 1 }),
      ],
      agents: [agent({ id: 'ana', name: 'Ana', tiers: ['L1', 'L3'], capacity: 2 }), agent({ id: 'bo', name: 'Bo', status: 'away' }), agent({ id: 'old', disabled: true })],
      activeCounts: new Map([['ana', 1]]),
      openDrafts: 2,
      ...NO_SLA,
      now: NOW,
    });
    expect(stats.tiers.find((t) => t.tier === 'L1')).toEqual({ tier: 'L1', queued: 2, longestWaitSeconds: 300, active: 0, agentsOnline: 1, freeSlots: 1 });
    expect(stats.tiers.find((t) => t.tier === 'L2')).toEqual({ tier: 'L2', queued: 0, longestWaitSeconds: 0, active: 0, agentsOnline: 0, freeSlots: 0 });
    expect(stats.tiers.find((t) => t.tier === 'L3')).toMatchObject({ queued: 1, active: 1, agentsOnline: 1 });
    expect(stats.agents.map((a) => `${a.name} ${a.activeChats}/${a.capacity}`)).toEqual(['Ana 1/2', 'Bo 0/3']);
    expect(stats.today).toEqual({ resolved: 2, averageSatisfaction: 4.5, rated: 2, worthArticle: 1, averageWaitSeconds: 90 });
    expect(stats.openDrafts).toBe(2);
  });

  it('lists unresolved, unpaused tickets due within the warning window or overdue, soonest first, with minutes left', () => {
    const stats = supervisorStats({
      queued: [], active: [], resolved: [], agents: [], activeCounts: new Map(), openDrafts: 0, mostSentArticles: [], now: NOW, warningMinutes: 120,
      tickets: [
        ticket('TD-1001', '2026-11-25T16:30:00Z', { tier: 'L2' }), // 90 min left
        ticket('TD-1002', '2026-11-25T14:59:30Z', { status: 'pending', tier: 'L3' }), // 30 s overdue
        ticket('TD-1003', '2026-11-25T17:00:01Z'), // just outside 120 min
        ticket('TD-1004', '2026-11-25T17:00:00Z', { status: 'new' }), // exactly at the edge
        ticket('TD-1005', '2026-11-25T12:00:00Z', { status: 'resolved' }),
        ticket('TD-1006', '2026-11-25T13:00:00Z', { tier: 'L4' }), // waiting on a vendor, clock paused
        ticket('TD-1007', '2026-11-25T10:00:00Z', { status: 'closed' }),
      ],
      slaPaused: new Set(['TD-1006']),
    });
    expect(stats.warningMinutes).toBe(120);
    expect(stats.slaAtRisk).toEqual([
      { reference: 'TD-1002', tier: 'L3', subject: 'Subject TD-1002', dueAt: '2026-11-25T14:59:30Z', minutesLeft: -1 },
      { reference: 'TD-1001', tier: 'L2', subject: 'Subject TD-1001', dueAt: '2026-11-25T16:30:00Z', minutesLeft: 90 },
      { reference: 'TD-1004', tier: 'L1', subject: 'Subject TD-1004', dueAt: '2026-11-25T17:00:00Z', minutesLeft: 120 },
    ]);
  });

  it('shows at most 20 tickets about to breach and passes the most sent articles through', () => {
    const tickets = Array.from({ length: 25 }, (_, i) => ticket(`TD-${2000 + i}`, new Date(NOW.getTime() + (25 - i) * 60_000).toISOString()));
    const mostSentArticles = [{ articleId: 'reset-password', title: 'Reset your password', language: 'en', count: 7 }];
    const stats = supervisorStats({ queued: [], active: [], resolved: [], agents: [], activeCounts: new Map(), openDrafts: 0, now: NOW, warningMinutes: 60, tickets, slaPaused: new Set(), mostSentArticles });
    expect(stats.slaAtRisk).toHaveLength(20);
    expect(stats.slaAtRisk[0]).toMatchObject({ reference: 'TD-2024', minutesLeft: 1 });
    expect(stats.slaAtRisk.at(-1)).toMatchObject({ reference: 'TD-2005', minutesLeft: 20 });
    expect(stats.mostSentArticles).toEqual(mostSentArticles);
  });
});
