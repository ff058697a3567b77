import { isNode, LineCounter, parseDocument } from 'yaml';
import { PLAYBOOK_VARIABLES, playbookFileSchema, VARIABLE_PATTERN, type Playbook, type PlaybookProblem } from './playbook.js';

const KNOWN = new Set<string>(PLAYBOOK_VARIABLES);

/**
 * Parses and validates one playbook file. Every problem carries the file and the 1-based line it
 * is on (YAML syntax, schema, unknown `{variable}`), so whoever edits the file can go straight to it.
 * Pure: the caller reads the file.
 */
export function parsePlaybookFile(source: string, file: string, language: string): { playbooks: Playbook[]; problems: PlaybookProblem[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false });
  const lineAt = (offset: number) => lineCounter.linePos(offset).line;
  if (doc.errors.length > 0) {
    return { playbooks: [], problems: doc.errors.map((e) => ({ file, line: lineAt(e.pos[0]), message: e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '') })) };
  }
  const parsed = playbookFileSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      // The deepest node of the path that exists in the document gives the line.
      let line = 1;
      for (let depth = issue.path.length; depth >= 0; depth--) {
        const node = doc.getIn(issue.path.slice(0, depth) as (string | number)[], true);
        if (isNode(node) && node.range) {
          line = lineAt(node.range[0]);
          break;
        }
      }
      const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
      return { file, line, message: `${where}${issue.message}` };
    });
    return { playbooks: [], problems };
  }

  const problems: PlaybookProblem[] = [];
  const seen = new Map<string, number>();
  const playbooks: Playbook[] = [];
  parsed.data.playbooks.forEach((entry, index) => {
    const entryNode = doc.getIn(['playbooks', index], true);
    const entryLine = isNode(entryNode) && entryNode.range ? lineAt(entryNode.range[0]) : 1;
    if (seen.has(entry.id)) problems.push({ file, line: entryLine, message: `playbooks.${index}.id: "${entry.id}" is already used on line ${seen.get(entry.id)}` });
    seen.set(entry.id, entryLine);
    const texts: { path: (string | number)[]; text: string }[] =
      entry.text !== undefined ? [{ path: ['playbooks', index, 'text'], text: entry.text }] : entry.steps!.map((text, step) => ({ path: ['playbooks', index, 'steps', step], text }));
    for (const { path, text } of texts) {
      for (const match of text.matchAll(VARIABLE_PATTERN)) {
        if (KNOWN.has(match[1]!)) continue;
        problems.push({ file, line: lineOfText(doc, path, match[0], source, lineAt), message: `${path.join('.')}: unknown variable ${match[0]}; use one of ${PLAYBOOK_VARIABLES.map((v) => `{${v}}`).join(', ')}` });
      }
      // A lone brace would reach the customer looking like a broken variable.
      const withoutVariables = text.replace(VARIABLE_PATTERN, '');
      if (/[{}]/.test(withoutVariables)) {
        problems.push({ file, line: lineOfText(doc, path, /[{}]/.exec(withoutVariables)![0], source, lineAt), message: `${path.join('.')}: unmatched "{" or "}"; variables look like {customer.name}` });
      }
    }
    playbooks.push({
      id: entry.id,
      language,
      tier: parsed.data.tier,
      title: entry.title,
      keywords: entry.keywords,
      kind: entry.text !== undefined ? 'snippet' : 'steps',
      template: entry.text ?? entry.steps!.map((step, i) => `${i + 1}. ${step}`).join('\n'),
      file,
    });
  });
  return problems.length > 0 ? { playbooks: [], problems } : { playbooks, problems };
}

/** Line of `needle` inside the scalar at `path` (block scalars span lines; the node's start is not enough). */
function lineOfText(doc: ReturnType<typeof parseDocument>, path: (string | number)[], needle: string, source: string, lineAt: (offset: number) => number): number {
  const node = doc.getIn(path, true);
  if (!isNode(node) || !node.range) return 1;
  const at = source.slice(node.range[0], node.range[1]).indexOf(needle);
  return lineAt(node.range[0] + Math.max(0, at));
}
