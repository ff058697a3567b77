import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type restify from 'restify';
import type { Logger } from '../logger.js';
import { projectRoot } from '../project-root.js';
import { setHtmlPageHeaders } from '../security/security-headers.js';

/** Files under web/agent/ the browser may fetch by name; nothing else in that folder is served. */
const CONSOLE_ASSETS: Readonly<Record<string, string>> = {
  'agent.js': 'text/javascript; charset=utf-8',
  'api.js': 'text/javascript; charset=utf-8',
  'sound.js': 'text/javascript; charset=utf-8',
  'strings.js': 'text/javascript; charset=utf-8',
  'agent.css': 'text/css; charset=utf-8',
  'workspace.js': 'text/javascript; charset=utf-8',
  'workspace-strings.js': 'text/javascript; charset=utf-8',
  'workspace.css': 'text/css; charset=utf-8',
  'vendor-step.js': 'text/javascript; charset=utf-8',
};

/** Where the console's files are; defaults to the checkout's web/agent/. */
export interface AgentConsolePageOptions {
  logger: Logger;
  consoleDir?: string;
}

/** A strong validator from the content, so an agent's browser revalidates cheaply and never runs a stale script. */
function etagOf(body: Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}

/**
 * Serves the agent console: the page at /agent and its ES modules and styles at
 * /agent/assets/<file>, all from our origin (no CDN) under a strict CSP (scripts and styles from
 * 'self' only, no inline code, never framed). Files are read per request and answered with an
 * ETag + `no-cache`, so a deploy reaches open consoles on their next load without a restart.
 */
export function mountAgentConsolePage(server: restify.Server, options: AgentConsolePageOptions): void {
  const consoleDir = options.consoleDir ?? path.join(projectRoot(), 'web', 'agent');

  const sendFile = async (req: restify.Request, res: restify.Response, file: string, contentType: string) => {
    let body: Buffer;
    try {
      body = await readFile(path.join(consoleDir, file));
    } catch (error) {
      options.logger.error('agent console file missing', { file, error: (error as Error).message });
      res.json(500, { error: { code: 'internal_error', message: 'The agent console files are missing from this installation.' } });
      return;
    }
    const etag = etagOf(body);
    const headers = { 'Content-Type': contentType, 'Cache-Control': 'no-cache', ETag: etag };
    if (req.header('if-none-match') === etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Length': body.length });
    res.end(body);
  };

  server.get('/agent', async (req: restify.Request, res: restify.Response) => {
    setHtmlPageHeaders(res);
    await sendFile(req, res, 'index.html', 'text/html; charset=utf-8');
  });

  server.get('/agent/assets/:file', async (req: restify.Request, res: restify.Response) => {
    const file = String(req.params.file);
    const type = Object.hasOwn(CONSOLE_ASSETS, file) ? CONSOLE_ASSETS[file] : undefined;
    if (type === undefined) {
      res.json(404, { error: { code: 'not_found', message: 'No such console file.' } });
      return;
    }
    await sendFile(req, res, file, type);
  });
}
