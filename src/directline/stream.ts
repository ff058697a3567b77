import type { IncomingMessage, Server as HttpServer } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from '../logger.js';
import type { DirectLineChannel } from './directline-channel.js';
import { HttpError } from '../server/http-error.js';
import { authorizeConversation, DIRECT_LINE_PREFIX, parseOr400 } from './http-routes.js';
import { watermarkSchema } from './schemas.js';
import type { DirectLineTokens } from './tokens.js';

const STREAM_PATH = new RegExp(`^${DIRECT_LINE_PREFIX}/conversations/([^/]+)/stream$`);

/** Dependencies of the stream endpoint (the same channel and tokens as the REST routes). */
export interface DirectLineStreamsOptions {
  channel: DirectLineChannel;
  tokens: DirectLineTokens;
  logger: Logger;
  /** How often idle sockets are pinged; a socket that missed the previous ping is dropped. */
  heartbeatMs?: number;
  /** Clock for token expiry (ms since the epoch); tests inject one. */
  now?: () => number;
}

/**
 * The Direct Line websocket stream: `GET …/conversations/:id/stream?t=<token>&watermark=<n>` upgrades,
 * then every activity after the watermark (the history first, then live ones) arrives as a
 * `{ activities, watermark }` text frame. The token is checked before the upgrade, like every route.
 */
export class DirectLineStreams {
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  private readonly alive = new WeakMap<WebSocket, boolean>();
  private heartbeat: NodeJS.Timeout | undefined;
  private attachedTo: HttpServer | undefined;

  constructor(private readonly options: DirectLineStreamsOptions) {}

  /** Listens for upgrades on `server` (restify's underlying http server); leaves other paths to other listeners. */
  attach(server: HttpServer): void {
    this.attachedTo = server;
    server.on('upgrade', this.onUpgrade);
    this.heartbeat = setInterval(() => this.pingAll(), this.options.heartbeatMs ?? 30_000);
    this.heartbeat.unref();
  }

  /** Closes every stream (clients reconnect elsewhere) so the http server can close. */
  async close(): Promise<void> {
    if (this.heartbeat !== undefined) clearInterval(this.heartbeat);
    this.attachedTo?.off('upgrade', this.onUpgrade);
    for (const socket of this.wss.clients) socket.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (!url.pathname.startsWith(`${DIRECT_LINE_PREFIX}/`)) {
      // Not ours; when nobody else listens, do not leave the socket hanging.
      if ((this.attachedTo?.listenerCount('upgrade') ?? 0) <= 1) socket.destroy();
      return;
    }
    socket.on('error', () => socket.destroy());
    this.accept(req, url, socket, head).catch((error: unknown) => {
      const refusal =
        error instanceof HttpError ? error : new HttpError(500, 'ServiceError', 'Something went wrong on the server.');
      if (!(error instanceof HttpError)) this.options.logger.error('direct line stream failed', { error: String(error) });
      refuse(socket, refusal);
    });
  };

  private async accept(req: IncomingMessage, url: URL, socket: Duplex, head: Buffer): Promise<void> {
    const match = STREAM_PATH.exec(url.pathname);
    if (match?.[1] === undefined) throw new HttpError(404, 'NotFound', 'No such Direct Line resource.');
    const token = url.searchParams.get('t') ?? /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (token === undefined || token === '') throw new HttpError(401, 'MissingToken', 'The stream URL needs its token (t=…).');
    const watermark = parseOr400(watermarkSchema, url.searchParams.get('watermark') ?? undefined, 'watermark');
    const { conversation, claims } = await authorizeConversation(this.options.tokens, this.options.channel, token, decodeURIComponent(match[1]));
    if (socket.destroyed) return;
    this.wss.handleUpgrade(req, socket, head, (ws) => this.serve(ws, conversation.id, watermark, claims.exp));
  }

  private serve(ws: WebSocket, conversationId: string, fromWatermark: number, tokenExpiresAt: number): void {
    const { channel } = this.options;
    // A stream lives no longer than the token that opened it: a leaked stream URL stops working,
    // and an abandoned tab stops holding a socket. Clients reconnect with a renewed token
    // (GET /conversations/:id), as botframework-directlinejs does on close.
    const now = this.options.now?.() ?? Date.now();
    const expiry = setTimeout(() => ws.close(4001, 'token expired'), Math.max(0, tokenExpiresAt * 1000 - now));
    expiry.unref();
    ws.on('close', () => clearTimeout(expiry));
    this.alive.set(ws, true);
    ws.on('pong', () => this.alive.set(ws, true));
    ws.on('error', () => ws.terminate());
    // Client frames are only keep-alives (botframework-directlinejs sends "" now and then).
    ws.on('message', () => this.alive.set(ws, true));

    let sent = fromWatermark;
    const send = (activities: unknown[], watermark: number) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ activities, watermark: String(watermark) }));
    };
    // The socket reads the log from its own watermark whenever it grows (here or on another
    // instance), one read at a time: every activity goes out once, in order, whoever logged it.
    let reading = false;
    let readAgain = false;
    const catchUp = async (): Promise<void> => {
      if (reading) {
        readAgain = true;
        return;
      }
      reading = true;
      try {
        do {
          readAgain = false;
          for (;;) {
            if (ws.readyState !== ws.OPEN) return;
            const page = await channel.activitiesAfter(conversationId, sent);
            if (page.activities.length === 0) break;
            sent = Number(page.watermark);
            send(page.activities, sent);
          }
        } while (readAgain);
      } catch (error) {
        this.options.logger.warn('direct line stream could not read the conversation', { conversation: conversationId, error: String(error) });
      } finally {
        reading = false;
      }
    };
    const unsubscribe = channel.subscribe(conversationId, (change) => {
      // An updated activity keeps its position: resend it when the socket already has it; a newer
      // one arrives with the next read.
      if (change.kind === 'replaced' && change.logged.seq <= sent) send([change.logged.activity], sent);
      else void catchUp();
    });
    ws.on('close', unsubscribe);
    // The backlog, read after subscribing: nothing logged in between can be missed.
    void catchUp();
  }

  private pingAll(): void {
    for (const ws of this.wss.clients) {
      if (this.alive.get(ws) === false) {
        ws.terminate();
        continue;
      }
      this.alive.set(ws, false);
      ws.ping();
    }
  }
}

/** Answers a refused upgrade with a plain HTTP response and the same JSON error body as the routes. */
function refuse(socket: Duplex, error: HttpError): void {
  if (socket.destroyed) return;
  const body = JSON.stringify({ error: { code: error.code, message: error.message } });
  socket.end(
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? 'Error'}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
}
