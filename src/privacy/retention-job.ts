import type { Logger } from '../logger.js';
import type { PersonalDataRegistry } from './personal-data.js';

/** What the daily retention run needs. */
export interface RetentionJobOptions {
  registry: PersonalDataRegistry;
  /** RETENTION_DAYS; 0 turns the job off (data is kept until erased). */
  retentionDays: number;
  logger: Logger;
  /** Time between runs (default one day); the first run happens `firstRunDelayMs` after start. */
  intervalMs?: number;
  firstRunDelayMs?: number;
  now?: () => Date;
}

/**
 * Deletes personal data older than RETENTION_DAYS once a day (transcripts, Direct Line log,
 * feedback, bot state, webhook deliveries, and closed tickets whose last change is that old). The
 * first run comes shortly after start, so a server restarted daily still purges.
 */
export class RetentionJob {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly options: RetentionJobOptions) {}

  start(): void {
    if (this.options.retentionDays <= 0 || this.timer !== undefined) return;
    const schedule = (delay: number) => {
      this.timer = setTimeout(() => {
        this.running = this.runOnce().finally(() => {
          this.running = undefined;
          if (this.timer !== undefined) schedule(this.options.intervalMs ?? 86_400_000);
        });
      }, delay);
      this.timer.unref();
    };
    schedule(this.options.firstRunDelayMs ?? 60_000);
  }

  /** One purge; errors are logged (the next run tries again), never thrown into the server. */
  async runOnce(): Promise<void> {
    const { registry, retentionDays, logger } = this.options;
    try {
      const report = await registry.purge(retentionDays, this.options.now?.() ?? new Date(), false);
      logger.info('retention purge done', { cutoff: report.cutoff, deleted: report.deleted });
    } catch (error) {
      logger.error('retention purge failed', { error: error instanceof Error ? error.message : String(error) });
    }
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
