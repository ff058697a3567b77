import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/logger.js';
import { KnowledgeWatcher } from '../src/workspace/knowledge-watcher.js';
import { tempDir } from './support/test-app.js';

/** A knowledge folder of real files: articles in two languages, a playbook, tier examples. */
function knowledgeFolder(): string {
  const dir = tempDir();
  for (const folder of ['articles/en', 'articles/pt', 'playbooks', 'tiers']) mkdirSync(path.join(dir, folder), { recursive: true });
  for (let i = 0; i < 5; i++) writeFileSync(path.join(dir, 'articles/en', `a${i}.md`), `article ${i}`);
  writeFileSync(path.join(dir, 'articles/pt', 'b.md'), 'artigo');
  writeFileSync(path.join(dir, 'playbooks', 'refund.yaml'), 'steps: []');
  writeFileSync(path.join(dir, 'tiers', 'L1.yaml'), 'examples: []');
  return dir;
}

describe('the knowledge watcher', () => {
  let watcher: KnowledgeWatcher | undefined;
  afterEach(async () => {
    await watcher?.stop();
    watcher = undefined;
  });

  function watch(dir: string) {
    const reloads = { articles: 0, playbooks: 0 };
    watcher = new KnowledgeWatcher({
      dir,
      debounceMs: 30,
      reloadArticles: async () => void reloads.articles++,
      reloadPlaybooks: async () => void reloads.playbooks++,
      logger: silentLogger,
    });
    watcher.start();
    return { watcher, reloads };
  }

  it('watches each folder once, not each file (one inotify watch per article was +48 MB at 10,000 articles)', () => {
    const { watcher } = watch(knowledgeFolder());
    expect(watcher.watchedFolders).toEqual(['', 'articles', 'articles/en', 'articles/pt', 'playbooks', 'tiers']);
  });

  it('reloads articles when one is saved, and playbooks when one is', async () => {
    const dir = knowledgeFolder();
    const { reloads } = watch(dir);
    writeFileSync(path.join(dir, 'articles/en', 'a1.md'), 'article 1, edited');
    await expect.poll(() => reloads.articles, { timeout: 10_000, interval: 20 }).toBe(1);
    writeFileSync(path.join(dir, 'playbooks', 'refund.yaml'), 'steps: [ask]');
    await expect.poll(() => reloads.playbooks, { timeout: 10_000, interval: 20 }).toBe(1);
    expect(reloads.articles).toBe(1);
  });

  it('follows a language folder added later (files in it count at once and after), and one removed', async () => {
    const dir = knowledgeFolder();
    const { watcher, reloads } = watch(dir);
    // Made elsewhere and moved in whole: no event for its files, only for the folder.
    const staged = path.join(tempDir(), 'pl');
    mkdirSync(staged);
    writeFileSync(path.join(staged, 'c.md'), 'artykuł');
    renameSync(staged, path.join(dir, 'articles/pl'));
    await expect.poll(() => reloads.articles, { timeout: 10_000, interval: 20 }).toBe(1);
    expect(watcher.watchedFolders).toContain('articles/pl');

    writeFileSync(path.join(dir, 'articles/pl', 'd.md'), 'drugi artykuł');
    await expect.poll(() => reloads.articles, { timeout: 10_000, interval: 20 }).toBe(2);

    rmSync(path.join(dir, 'articles/pt'), { recursive: true });
    await expect.poll(() => reloads.articles, { timeout: 10_000, interval: 20 }).toBe(3);
    expect(watcher.watchedFolders).not.toContain('articles/pt');
  });

  it('ignores files that are neither articles nor playbooks, and stops watching when stopped', async () => {
    const dir = knowledgeFolder();
    const { watcher, reloads } = watch(dir);
    writeFileSync(path.join(dir, 'articles/en', '.a1.md.swp'), 'editor swap file');
    writeFileSync(path.join(dir, 'tiers', 'L2.yaml'), 'examples: []');
    // A marker saved last: once it has been reloaded, the two files above had their chance.
    writeFileSync(path.join(dir, 'playbooks', 'marker.yaml'), 'steps: []');
    await expect.poll(() => reloads.playbooks, { timeout: 10_000, interval: 20 }).toBe(1);
    expect(reloads.articles).toBe(0);

    await watcher.stop();
    expect(watcher.watchedFolders).toEqual([]);
    writeFileSync(path.join(dir, 'articles/en', 'a2.md'), 'edited after stop');
    writeFileSync(path.join(dir, 'playbooks', 'marker.yaml'), 'steps: [again]');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(reloads).toEqual({ articles: 0, playbooks: 1 });
  });
});
