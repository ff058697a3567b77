import { watch, type FSWatcher } from 'node:fs';
import type { Logger } from '../logger.js';

export interface KnowledgeWatcherOptions {
  /** The knowledge folder (KNOWLEDGE_DIR); watched recursively. */
  dir: string;
  /** Quiet time after the last change before reloading (KNOWLEDGE_RELOAD_DEBOUNCE_MS). */
  debounceMs: number;
  /** Re-reads articles (files ending in .md under articles/). */
  reloadArticles: () => Promise<unknown>;
  /** Re-reads playbooks (files ending in .yaml under playbooks/). */
  reloadPlaybooks: () => Promise<unknown>;
  logger: Logger;
}

/**
 * Hot reload of the knowledge base: watches KNOWLEDGE_DIR and, once saves have stopped for
 * `debounceMs`, re-reads what changed. An editor's save (often several writes) is one reload; a
 * file still invalid at that moment keeps its previous version (see KnowledgeService.reloadArticles).
 */
export class KnowledgeWatcher {
  private watcher: FSWatcher | undefined;
  private timer: NodeJS.Timeout | undefined;
  private pending = { articles: false, playbooks: false };
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly options: KnowledgeWatcherOptions) {}

  start(): void {
    if (this.watcher !== undefined || this.options.debounceMs <= 0) return;
    try {
      this.watcher = watch(this.options.dir, { recursive: true }, (_event, filename) => this.changed(filename === null ? '' : String(filename)));
      this.watcher.on('error', (error) => this.options.logger.error('knowledge watcher failed', { error: error.message }));
    } catch (error) {
      this.options.logger.error('knowledge watcher not started', { dir: this.options.dir, error: (error as Error).message });
    }
  }

  /** Called for every change; only article and playbook files count (temporary files do not). */
  changed(filename: string): void {
    const name = filename.split(/[\\/]/).join('/');
    if (name.startsWith('articles/') && name.endsWith('.md')) this.pending.articles = true;
    else if (name.startsWith('playbooks/') && name.endsWith('.yaml')) this.pending.playbooks = true;
    else return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.flush(), this.options.debounceMs);
    this.timer.unref();
  }

  /** Runs the pending reloads now (one at a time); resolves when they are done. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    const work = this.pending;
    this.pending = { articles: false, playbooks: false };
    this.running = this.running.then(async () => {
      try {
        if (work.playbooks) await this.options.reloadPlaybooks();
        if (work.articles) await this.options.reloadArticles();
      } catch (error) {
        this.options.logger.error('knowledge reload failed', { error: (error as Error).message });
      }
    });
    return this.running;
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.watcher?.close();
    this.watcher = undefined;
    await this.running;
  }
}
