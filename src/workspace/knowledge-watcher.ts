import { readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logger.js';

export interface KnowledgeWatcherOptions {
  /** The knowledge folder (KNOWLEDGE_DIR); every folder below it is watched. */
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
 *
 * One watch per folder, not per file: a folder's watch reports the files created, written,
 * renamed and deleted in it. Node's recursive `fs.watch` on Linux opens one watch per file and
 * stats each at start: at 10,000 articles +48 MB RSS and ~0.3 s of the main thread at start,
 * and more inotify watches than some systems allow (fs.inotify.max_user_watches: 8,192 on older
 * kernels). A folder that appears (a new language) is watched from then on and counts as a
 * change of everything in it, as does one that disappears.
 */
export class KnowledgeWatcher {
  /** Watched folders, relative to `dir` with "/" ("" is `dir` itself). */
  private readonly folders = new Map<string, FSWatcher>();
  private started = false;
  private timer: NodeJS.Timeout | undefined;
  private pending = { articles: false, playbooks: false };
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly options: KnowledgeWatcherOptions) {}

  start(): void {
    if (this.started || this.options.debounceMs <= 0) return;
    this.started = true;
    this.watchTree('');
  }

  /** The folders watched (relative, "/"-separated; "" is the knowledge folder itself). */
  get watchedFolders(): string[] {
    return [...this.folders.keys()].sort();
  }

  /** Watches `folder` and every folder below it that is not watched yet. */
  private watchTree(folder: string): void {
    const absolute = path.join(this.options.dir, folder);
    if (!this.folders.has(folder)) {
      try {
        const watcher = watch(absolute, (_event, filename) => this.folderEvent(folder, filename === null ? '' : String(filename)));
        // A watched folder that is removed ends its watch with an error on some systems: the parent's event handles it.
        watcher.on('error', (error) => {
          this.unwatch(folder);
          if (folder === '') this.options.logger.error('knowledge watcher failed', { error: error.message });
        });
        this.folders.set(folder, watcher);
      } catch (error) {
        if (folder === '') this.options.logger.error('knowledge watcher not started', { dir: this.options.dir, error: (error as Error).message });
        return;
      }
    }
    let entries: { name: string; isDirectory(): boolean }[];
    try {
      entries = readdirSync(absolute, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) if (entry.isDirectory()) this.watchTree(folder === '' ? entry.name : `${folder}/${entry.name}`);
  }

  /** Stops watching `folder` and the folders below it ("": all of them). */
  private unwatch(folder: string): void {
    for (const [watched, watcher] of this.folders) {
      if (folder === '' || watched === folder || watched.startsWith(`${folder}/`)) {
        watcher.close();
        this.folders.delete(watched);
      }
    }
  }

  /**
   * An event in a watched folder. When its name is (or was) a folder, that folder is watched
   * afresh (created, moved in, replaced or removed: its watch no longer says anything) and every
   * file in it counts as changed.
   */
  private folderEvent(folder: string, filename: string): void {
    // Without a name (the folder itself went): its parent's event says which folder.
    if (!this.started || filename === '') return;
    const name = folder === '' ? filename : `${folder}/${filename}`;
    let isFolder = false;
    try {
      isFolder = statSync(path.join(this.options.dir, name)).isDirectory();
    } catch {
      // Gone: a removed folder if it was watched, else a removed file.
    }
    if (isFolder || this.folders.has(name)) {
      this.unwatch(name);
      if (isFolder) this.watchTree(name);
      this.changed(name, true);
      return;
    }
    this.changed(name);
  }

  /**
   * Called for every change (`folder`: a whole folder appeared or went); only article and
   * playbook files count (temporary files do not).
   */
  changed(filename: string, folder = false): void {
    const name = filename.split(/[\\/]/).join('/');
    const under = (top: string) => name.startsWith(`${top}/`) || (folder && name === top);
    if (under('articles') && (folder || name.endsWith('.md'))) this.pending.articles = true;
    else if (under('playbooks') && (folder || name.endsWith('.yaml'))) this.pending.playbooks = true;
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
    this.started = false;
    this.unwatch('');
    await this.running;
  }
}
