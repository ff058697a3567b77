import type { TurnContext } from 'botbuilder';
import type restify from 'restify';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { ConversationSignals, DirectLineStore } from './conversation-store.js';
import { DirectLineChannel } from './directline-channel.js';
import { mountDirectLineRoutes } from './http-routes.js';
import { resolveSiteSecret } from './site-secret.js';
import { DirectLineStreams } from './stream.js';
import { DirectLineTokens } from './tokens.js';

/** The app parts the Direct Line endpoint plugs into (passed in, never reached for). */
export interface DirectLineOptions {
  server: restify.Server;
  /** The conversation log (SQLite or PostgreSQL, from src/storage/stores.ts). */
  store: DirectLineStore;
  /** Other instances' appends, when several share the database. */
  signals?: ConversationSignals;
  /** `typing` passes the customer's typing on without a turn (see DirectLineChannelOptions). */
  bot: { run(context: TurnContext): Promise<void>; typing?(channelId: string, conversationId: string): Promise<void> };
  onTurnError: (context: TurnContext, error: Error) => Promise<void>;
  config: Pick<Config, 'dataDir' | 'directLine' | 'publicUrl' | 'botName' | 'auth'>;
  logger: Logger;
}

/** The running self-hosted Direct Line endpoint: the web chat page mints tokens through `tokens`. */
export interface DirectLine {
  channel: DirectLineChannel;
  tokens: DirectLineTokens;
  /** Closes streams and waits for turns in flight; call before closing the http server and database. */
  close(): Promise<void>;
}

/**
 * Serves a Direct Line 3.0-compatible endpoint from the bot itself, so botframework-webchat talks
 * to the bot without Azure: REST routes + websocket stream + a durable conversation log, running
 * the same bot (and onTurnError) as /api/messages.
 */
export function mountDirectLine(options: DirectLineOptions): DirectLine {
  const { server, config, logger } = options;
  const tokens = new DirectLineTokens(resolveSiteSecret(config.directLine.secret, config.dataDir), config.directLine.tokenTtlSeconds);
  const channel = new DirectLineChannel({
    store: options.store,
    ...(options.signals === undefined ? {} : { signals: options.signals }),
    bot: options.bot,
    onTurnError: options.onTurnError,
    botIdentity: { id: config.auth.appId ?? 'tierdesk-bot', name: config.botName },
    logger,
  });
  mountDirectLineRoutes(server, { channel, tokens, publicUrl: config.publicUrl, logger });
  const streams = new DirectLineStreams({ channel, tokens, logger });
  streams.attach(server.server);
  return {
    channel,
    tokens,
    close: async () => {
      await streams.close();
      await channel.drain();
    },
  };
}
