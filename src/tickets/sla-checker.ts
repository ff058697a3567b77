import type { Logger } from '../logger.js';
import { localJobLock, type JobLock } from '../storage/job-lock.js';
import type { Ticket } from './ticket.js';
import type { TicketService } from './ticket-service.js';

/** Dependencies of the SLA checker, passed in (no global clock or service). */
export interface SlaCheckerOptions {
  service: TicketService;
  /** config.sla.checkIntervalSeconds */
  intervalSeconds: number;
  logger: Logger;
  /** Several instances on one database: only one checks at a time (the others skip that round). */
  lock?: JobLock;
}

/**
 * Periodically marks tickets whose SLA expired, through the service so `ticket.sla_breached`
 * reaches webhooks. The timer is unref'd (it never keeps the process alive) and checks never
 * overlap: a slow check makes the next tick skip instead of piling up.
 */
export class SlaChecker {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<Ticket[]> | undefined;

  constructor(private readonly options: SlaCheckerOptions) {
    if (!(options.intervalSeconds > 0)) throw new RangeError('SLA check interval must be positive (SLA_CHECK_SECONDS)');
  }

  /** Starts checking every interval; calling it again does nothing. */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      if (this.running !== undefined) return;
      this.checkOnce().catch((error: unknown) => {
        this.options.logger.error('SLA check failed', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      });
    }, this.options.intervalSeconds * 1000);
    this.timer.unref();
  }

  /** One check at `now` (tests pass a time past the due date); returns the tickets newly marked. Errors propagate. */
  async checkOnce(now: Date = new Date()): Promise<Ticket[]> {
    const lock = this.options.lock ?? localJobLock;
    const run = lock.runExclusive('sla-check', () => this.options.service.recordSlaBreaches(now)).then((marked) => marked ?? []);
    this.running = run;
    try {
      const breached = await run;
      if (breached.length > 0) {
        this.options.logger.info('SLA breached', { tickets: breached.map((t) => t.reference) });
      }
      return breached;
    } finally {
      if (this.running === run) this.running = undefined;
    }
  }

  /** Stops the timer and waits for a check in progress, so the database can be closed after. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }
}
