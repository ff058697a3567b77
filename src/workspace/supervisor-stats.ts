import type { Agent } from '../agents/agent.js';
import type { Handoff } from '../handoff/handoff.js';
import type { Ticket, Tier } from '../tickets/ticket.js';
import type { SentArticle } from './agent-workspace.js';

const TIERS: readonly Tier[] = ['L1', 'L2', 'L3', 'L4'];

/** One tier's live load: who waits, for how long, who is in a chat, who could take the next one. */
export interface TierLoad {
  tier: Tier;
  queued: number;
  longestWaitSeconds: number;
  active: number;
  agentsOnline: number;
  freeSlots: number;
}

export interface SupervisorStats {
  at: string;
  tiers: TierLoad[];
  agents: { id: string; name: string; tiers: Tier[]; status: Agent['status']; activeChats: number; capacity: number }[];
  /** Since midnight UTC. */
  today: { resolved: number; averageSatisfaction: number | undefined; rated: number; worthArticle: number; averageWaitSeconds: number | undefined };
  openDrafts: number;
  /** Open tickets due within the warning window or already overdue, soonest first (at most 20). */
  slaAtRisk: SlaAtRisk[];
  warningMinutes: number;
  /** Articles agents sent by hand most often in the last 30 days: candidates for the bot to answer alone. */
  mostSentArticles: SentArticle[];
}

/** A ticket whose SLA is about to breach; `minutesLeft` is negative when it is overdue. */
export interface SlaAtRisk {
  reference: string;
  tier: Tier;
  subject: string;
  dueAt: string;
  minutesLeft: number;
}

const SLA_AT_RISK_LIMIT = 20;
const OPEN_STATUSES: readonly Ticket['status'][] = ['new', 'open', 'pending'];

/**
 * The supervisor's view of the desk, from the lists the handoff service already keeps. Pure, so
 * the numbers are tested without a clock or a database.
 */
export function supervisorStats(input: {
  queued: Handoff[];
  active: Handoff[];
  resolved: Handoff[];
  agents: Agent[];
  activeCounts: Map<string, number>;
  openDrafts: number;
  /** Unresolved tickets; resolved or closed ones are ignored. */
  tickets: Ticket[];
  /** References whose SLA clock is paused (waiting on a vendor): not at risk while paused. */
  slaPaused: ReadonlySet<string>;
  warningMinutes: number;
  mostSentArticles: SentArticle[];
  now: Date;
}): SupervisorStats {
  const agents = input.agents.filter((a) => !a.disabled);
  const midnight = new Date(Date.UTC(input.now.getUTCFullYear(), input.now.getUTCMonth(), input.now.getUTCDate())).toISOString();
  const today = input.resolved.filter((h) => (h.resolvedAt ?? '') >= midnight);
  const rated = today.filter((h) => h.satisfaction !== undefined);
  const average = (values: number[]) => (values.length === 0 ? undefined : Math.round((values.reduce((a, b) => a + b, 0) / values.length) * 100) / 100);
  return {
    at: input.now.toISOString(),
    tiers: TIERS.map((tier) => {
      const online = agents.filter((a) => a.status === 'online' && a.tiers.includes(tier));
      return {
        tier,
        queued: input.queued.filter((h) => h.tier === tier).length,
        longestWaitSeconds: Math.max(0, ...input.queued.filter((h) => h.tier === tier).map((h) => h.waitSeconds)),
        active: input.active.filter((h) => h.tier === tier).length,
        agentsOnline: online.length,
        freeSlots: online.reduce((sum, a) => sum + Math.max(0, a.capacity - (input.activeCounts.get(a.id) ?? 0)), 0),
      };
    }),
    agents: agents.map((a) => ({ id: a.id, name: a.name, tiers: a.tiers, status: a.status, activeChats: input.activeCounts.get(a.id) ?? 0, capacity: a.capacity })),
    today: {
      resolved: today.length,
      averageSatisfaction: average(rated.map((h) => h.satisfaction!)),
      rated: rated.length,
      worthArticle: today.filter((h) => h.worthArticle).length,
      averageWaitSeconds: average(today.map((h) => h.waitSeconds)),
    },
    openDrafts: input.openDrafts,
    slaAtRisk: slaAtRisk(input.tickets, input.slaPaused, input.warningMinutes, input.now),
    warningMinutes: input.warningMinutes,
    mostSentArticles: input.mostSentArticles,
  };
}

/** Unresolved, unpaused tickets due within `warningMinutes` of `now` or past due, soonest first. */
function slaAtRisk(tickets: Ticket[], paused: ReadonlySet<string>, warningMinutes: number, now: Date): SlaAtRisk[] {
  const limit = now.getTime() + warningMinutes * 60_000;
  return tickets
    .filter((t) => OPEN_STATUSES.includes(t.status) && !paused.has(t.reference) && Date.parse(t.dueAt) <= limit)
    .sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt) || a.reference.localeCompare(b.reference))
    .slice(0, SLA_AT_RISK_LIMIT)
    // Floor: 30 s left shows 0 min, 30 s overdue shows -1 min (overdue is never shown as 0).
    .map((t) => ({ reference: t.reference, tier: t.tier, subject: t.subject, dueAt: t.dueAt, minutesLeft: Math.floor((Date.parse(t.dueAt) - now.getTime()) / 60_000) }));
}
