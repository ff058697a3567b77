import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from '../logger.js';
import { writeFileAtomically } from '../storage/atomic-file.js';
import { parsePlaybookFile } from './parse-playbooks.js';
import { PlaybookValidationError, type Playbook, type PlaybookProblem } from './playbook.js';

/** Playbook languages: a folder per language under knowledge/playbooks/. */
export const PLAYBOOK_LANGUAGE = /^[a-z]{2}$/;
/** File names an admin may write: `l3.yaml`, `greetings.yaml`. */
export const PLAYBOOK_FILE = /^[a-z0-9]+(?:-[a-z0-9]+)*\.yaml$/;

/**
 * The playbooks under `knowledge/playbooks/<lang>/*.yaml`, re-read on demand. A file that does not
 * validate is left out (its problems, with file and line, are logged and kept in `problems`); an
 * admin's edit is validated before it replaces the file, and written atomically.
 */
export class PlaybookLibrary {
  private current: Playbook[] = [];
  problems: PlaybookProblem[] = [];

  constructor(
    private readonly dir: string,
    private readonly logger: Logger,
  ) {}

  get playbooks(): readonly Playbook[] {
    return this.current;
  }

  /** Reads every language folder again; problems are reported, good files still load. */
  async reload(): Promise<void> {
    const playbooks: Playbook[] = [];
    const problems: PlaybookProblem[] = [];
    let languages: string[] = [];
    try {
      languages = (await readdir(this.dir, { withFileTypes: true })).filter((d) => d.isDirectory() && PLAYBOOK_LANGUAGE.test(d.name)).map((d) => d.name);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    for (const language of languages.sort()) {
      const files = (await readdir(path.join(this.dir, language))).filter((f) => PLAYBOOK_FILE.test(f)).sort();
      for (const file of files) {
        const relative = `playbooks/${language}/${file}`;
        const result = parsePlaybookFile(await readFile(path.join(this.dir, language, file), 'utf8'), relative, language);
        playbooks.push(...result.playbooks);
        problems.push(...result.problems);
      }
    }
    // A file that does not validate (say, half-written by an editor) keeps its previous version.
    const broken = new Set(problems.map((p) => p.file));
    playbooks.push(...this.current.filter((p) => broken.has(p.file)));
    for (const problem of problems) this.logger.error('playbook skipped', { file: problem.file, line: problem.line, reason: problem.message });
    this.current = playbooks;
    this.problems = problems;
  }

  /** The source of one file (for the admin editor); undefined when it does not exist. */
  async source(language: string, file: string): Promise<string | undefined> {
    this.checkName(language, file);
    try {
      return await readFile(path.join(this.dir, language, file), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** Validates `source` and replaces (or creates) the file; throws PlaybookValidationError with lines. */
  async write(language: string, file: string, source: string): Promise<Playbook[]> {
    this.checkName(language, file);
    const relative = `playbooks/${language}/${file}`;
    const result = parsePlaybookFile(source, relative, language);
    if (result.problems.length > 0) throw new PlaybookValidationError(result.problems);
    const clash = this.current.find((p) => p.language === language && p.file !== relative && result.playbooks.some((n) => n.id === p.id));
    if (clash) throw new PlaybookValidationError([{ file: relative, line: 1, message: `playbook id "${clash.id}" is already used in ${clash.file}` }]);
    await writeFileAtomically(path.join(this.dir, language, file), source);
    await this.reload();
    return result.playbooks;
  }

  private checkName(language: string, file: string): void {
    if (!PLAYBOOK_LANGUAGE.test(language) || !PLAYBOOK_FILE.test(file)) {
      throw new PlaybookValidationError([{ file: `playbooks/${language}/${file}`, line: 1, message: 'language must be a two-letter code and the file name kebab-case ending in .yaml' }]);
    }
  }
}
