import { describe, expect, it } from 'vitest';
import type { Agent } from '../src/agents/agent.js';
import type { Handoff } from '../src/handoff/handoff.js';
import { supervisorStats } from '../src/workspace/supervisor-stats.js';

const NOW = new Date('2026-11-25T15:00:00Z');

function handoff(overrides: Partial<Handoff>): Handoff {
  return {
    id: `h_${Math.random()}`, ticketReference: 'TD-1', tier: 'L1', state: 'queued', question: 'q', language: 'en', channelId: 'test', conversationId: 'c',
    customer: { userId: 'u' }, classification: { tier: 'L1', source: 'model', score: 1, margin: 1, scores: {} }, articlesTried: [],
    queuedAt: '2026-11-25T14:00:00Z', waitSeconds: 0, awaitingSatisfaction: false, worthArticle: false, ...overrides,
  };
}

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
      now: NOW,
    });
    expect(stats.tiers.find((t) => t.tier === 'L1')).toEqual({ tier: 'L1', queued: 2, longestWaitSeconds: 300, active: 0, agentsOnline: 1, freeSlots: 1 });
    expect(stats.tiers.find((t) => t.tier === 'L2')).toEqual({ tier: 'L2', queued: 0, longestWaitSeconds: 0, active: 0, agentsOnline: 0, freeSlots: 0 });
    expect(stats.tiers.find((t) => t.tier === 'L3')).toMatchObject({ queued: 1, active: 1, agentsOnline: 1 });
    expect(stats.agents.map((a) => `${a.name} ${a.activeChats}/${a.capacity}`)).toEqual(['Ana 1/2', 'Bo 0/3']);
    expect(stats.today).toEqual({ resolved: 2, averageSatisfaction: 4.5, rated: 2, worthArticle: 1, averageWaitSeconds: 90 });
    expect(stats.openDrafts).toBe(2);
  });
});
