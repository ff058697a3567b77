import path from 'node:path';
import type { AddressInfo } from 'node:net';
import {
  ConversationState,
  UserState,
  type TurnContext,
} from 'botbuilder';
import type restify from 'restify';
import { TierdeskAdapter } from './bot/tierdesk-adapter.js';
import type { CustomerProfile, DeskDependencies } from '../dialogs/desk.js';
import type { AgentStore } from './agents/agent-store.js';
import { MainDialog, type PendingQuestion, type SelfHelpAttempt } from '../dialogs/main-dialog.js';
import { AgentSessions } from './agents/agent-sessions.js';
import { ReusedConnectorsAuthentication } from './bot/reused-connectors.js';
import { TierdeskBot } from './bot/tierdesk-bot.js';
import { HandoffCustomerRouter } from './handoff/customer-router.js';
import { HandoffService } from './handoff/handoff-service.js';
import { liveChatDesk } from './handoff/live-chat-desk.js';
import { AdapterChannelSender, type ChannelSender } from './handoff/relay.js';
import { openHandoffStores } from './handoff/handoff-stores.js';
import { TokenBucketLimiter } from './security/rate-limiter.js';
import { mountAgentApi } from './server/agent-api.js';
import { mountHandoffsApi } from './server/handoffs-api.js';
import type { Config } from './config.js';
import { DIRECT_LINE_CHANNEL_ID } from './directline/directline-channel.js';
import { mountDirectLine, type DirectLine } from './directline/mount.js';
import { eldDetector } from './language/language-detector.js';
import { LanguageResolver, turnTexts } from './language/turn-language.js';
import { KnowledgeService } from './knowledge/knowledge-service.js';
import { collectGarbageSoon } from './runtime/collect-garbage.js';
import { createLogger, type Logger } from './logger.js';
import type { Embedder } from './search/embedder.js';
import { hnswIndexFactory } from './search/hnsw-index.js';
import { createServingEmbedder, startServingModel } from './search/create-embedder.js';
import { EmbeddingWorkerError, type EmbeddingWorkerPool } from './search/embedding-workers.js';
import type { VectorIndexFactory } from './search/vector-index.js';
import { CustomerConversationRecorder } from './privacy/customer-conversations.js';
import { PersonalDataRegistry } from './privacy/personal-data.js';
import { RetentionJob } from './privacy/retention-job.js';
import { configuredSecrets, redactingLogger } from './security/log-redaction.js';
import { MessageLengthGuard } from './security/message-guard.js';
import { createRequestLimits } from './security/request-limits.js';
import { createHttpServer } from './server/http-server.js';
import { mountAgentConsolePage } from './server/agent-console-page.js';
import { mountWorkspaceApi } from './server/workspace-api.js';
import { AgentWorkspace } from './workspace/agent-workspace.js';
import { PlaybookLibrary } from './workspace/playbook-library.js';
import { ArticleDrafts } from './workspace/article-drafts.js';
import { KnowledgeWatcher } from './workspace/knowledge-watcher.js';
import { mountWebRoutes } from './server/web-routes.js';
import type { SqliteDatabase } from './storage/database.js';
import { openStores, type Stores } from './storage/stores.js';
import { parseBusinessHours } from './tickets/callback-slots.js';
import { SlaChecker } from './tickets/sla-checker.js';
import { TicketService } from './tickets/ticket-service.js';
import { WebhookDispatcher } from './tickets/webhooks.js';
import { mountVendorApi } from './server/vendor-api.js';
import { VendorConsentRouting } from './vendors/vendor-consent-router.js';
import { VendorService } from './vendors/vendor-service.js';
import { loadVendors } from './vendors/vendors.js';

/** Parts a caller (tests, another host) may replace; everything else comes from config. */
export interface AppOverrides {
  createEmbedder?: () => Promise<Embedder>;
  /**
   * The configured model, already loading (`startServingModel`): the server's entry starts it
   * before importing this module, so both load at once. The app owns it from then on (closes it).
   */
  servingModel?: Promise<EmbeddingWorkerPool>;
  /** The clock dialogs use (callback slots, SLA); tests pin it. */
  now?: () => Date;
  indexFactory?: VectorIndexFactory;
  logger?: Logger;
  /** The live-chat clock (queue times, business hours for live chat); tests pin it. */
  handoffClock?: () => Date;
}

/** A wired tierdesk instance: call `listen` to serve, `close` to stop cleanly. */
export interface App {
  server: restify.Server;
  /** The self-hosted Direct Line endpoint (its adapter reaches Web Chat conversations proactively). */
  directLine: DirectLine;
  tickets: TicketService;
  /** Live chat with agents: queue, relay, console actions. */
  handoffs: HandoffService;
  /** The vendor step of L4 tickets. */
  vendors: VendorService;
  agents: AgentStore;
  knowledge: KnowledgeService;
  /** Every store, from the backend DATABASE_URL selects (src/storage/stores.ts). */
  stores: Stores;
  db: SqliteDatabase;
  listen(): Promise<AddressInfo>;
  close(): Promise<void>;
}

/** Builds the whole app from configuration: storage → knowledge → dialogs → bot → adapter → HTTP. */
export function createApp(config: Config, overrides: AppOverrides = {}): App {
  // Every log line passes the redactor: configured secrets and credential-shaped strings never reach the log.
  const logger = redactingLogger(overrides.logger ?? createLogger(config.logLevel), configuredSecrets(config));
  // The one place the backend is chosen: DATABASE_URL=postgres://… or the SQLite file in DATA_DIR.
  const stores = openStores({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, slaHours: config.sla.hours });
  const db = stores.sqlite;

  // The model thread: the one the entry started, else one started at the first load; a model
  // that failed to load is started again at the next attempt (KnowledgeService retries). Closed with the app.
  let servingModel = overrides.servingModel;
  const loadServingModel = (): Promise<EmbeddingWorkerPool> => {
    const model = servingModel ?? startServingModel(config);
    servingModel = model;
    model.catch(() => {
      if (servingModel === model) servingModel = undefined;
    });
    return model;
  };
  const knowledge = new KnowledgeService({
    knowledgeDir: config.knowledgeDir,
    dataDir: config.dataDir,
    thresholds: config.thresholds,
    fixedThresholds: config.fixedThresholds,
    maxWrongAnswerRate: config.maxWrongAnswerRate,
    defaultLanguage: config.languages.default,
    tiers: config.tiers,
    createEmbedder:
      overrides.createEmbedder ??
      (() => createServingEmbedder(config.embedding, loadServingModel())),
    indexFactory: overrides.indexFactory ?? hnswIndexFactory,
    bodyVectors: config.knowledgeBodyVectors,
    logger,
    // The real model's load leaves ~280 MB of garbage that an idle server would hold (see collect-garbage.ts).
    ...(overrides.createEmbedder === undefined ? { afterLoad: collectGarbageSoon } : {}),
  });

  const tickets = new TicketService(stores.tickets, { logger });
  const webhooks =
    config.webhooks.urls.length > 0 && config.webhooks.secret !== undefined
      ? new WebhookDispatcher({
          outbox: stores.webhookOutbox,
          // Shared outbox: look every few seconds for what other instances queued or left behind.
          ...(stores.backend === 'postgres' ? { pollMs: 5_000 } : {}),
          urls: config.webhooks.urls,
          secret: config.webhooks.secret,
          logger,
        })
      : undefined;
  webhooks?.subscribeTo(tickets);
  const slaChecker = new SlaChecker({ service: tickets, intervalSeconds: config.sla.checkIntervalSeconds, logger, lock: stores.jobLock });
  const transcripts = stores.transcripts;
  // Every store holding personal data, for erasure (DELETE /api/customers/:userId) and retention.
  const privacy = new PersonalDataRegistry(stores.personalData);
  const retention = new RetentionJob({ registry: privacy, retentionDays: config.retentionDays, logger });

  // Live chat: queue, assignment and relay (src/handoff); agents sign in to the console (src/agents).
  const liveChatStores = openHandoffStores(stores, logger);
  const agents = liveChatStores.agents;
  // Console events and agent presence: in memory on SQLite, shared by every instance on PostgreSQL.
  const hub = liveChatStores.events;
  let channelSender: ChannelSender | undefined;
  const handoffs = new HandoffService({
    store: liveChatStores.handoffs,
    agents,
    tickets,
    hub,
    // Bound once both adapters exist (below); nothing is delivered before listen().
    sender: {
      send: (reference, activities) => {
        if (channelSender === undefined) return Promise.reject(new Error('channel adapters not ready yet'));
        return channelSender.send(reference, activities);
      },
    },
    logger,
    tiers: config.handoff.tiers,
    queueLimit: config.handoff.queueLimit,
    queueTimeoutMinutes: config.handoff.queueTimeoutMinutes,
    businessHours: parseBusinessHours(config.business.hours, config.business.timeZone),
    businessHoursText: config.business.hours,
    ...(overrides.handoffClock ? { now: overrides.handoffClock } : {}),
  });

  const storage = stores.botState;
  const conversationState = new ConversationState(storage);
  const userState = new UserState(storage);
  const desk: DeskDependencies = {
      tickets,
      transcripts,
      profile: userState.createProperty<CustomerProfile>('profile'),
      classify: async (text, language) => {
        const status = knowledge.status;
        if (status.state !== 'ready') return undefined;
        // Without the model thread the classifier abstains: the customer picks the tier.
        return status.classifier.classify(text, language).catch((error: unknown) => {
          if (error instanceof EmbeddingWorkerError) return undefined;
          throw error;
        });
      },
      slots: {
        hours: parseBusinessHours(config.business.hours, config.business.timeZone),
        slotMinutes: config.business.callbackSlotMinutes,
        daysAhead: config.business.callbackDaysAhead,
      },
      businessHours: config.business.hours,
      now: overrides.now ?? (() => new Date()),
      timeZone: config.business.timeZone,
      liveChat: liveChatDesk(handoffs, () => desk, (articleId) => {
        const status = knowledge.status;
        return status.state === 'ready' ? status.search.article(articleId)?.title : undefined;
      }),
  };
  // "None of these" answers to did-you-mean, for the content-gap report (GET /api/gaps, npm run gaps).
  const unmatchedQuestions = stores.unmatchedQuestions;
  const dialog = new MainDialog({
    knowledge: () => knowledge.status,
    desk,
    feedback: stores.feedback,
    unmatched: unmatchedQuestions,
    pending: conversationState.createProperty<PendingQuestion | undefined>('pending'),
    lastAttempt: conversationState.createProperty<SelfHelpAttempt | undefined>('lastAttempt'),
  });
  const languages = new LanguageResolver(
    conversationState.createProperty<string | undefined>('language'),
    eldDetector(config.languages.supported),
    config.languages,
  );
  // Vendor step of L4 (src/vendors): consent first, then "waiting on vendor"; replies reach the customer like agent lines.
  const vendors = new VendorService({
    store: stores.vendorSteps,
    tickets,
    vendors: loadVendors(config.vendorsFile),
    sender: {
      send: (reference, activities) => {
        if (channelSender === undefined) return Promise.reject(new Error('channel adapters not ready yet'));
        return channelSender.send(reference, activities);
      },
    },
    slaMode: config.sla.vendorTime,
    liveChatActive: async (channelId, conversationId) => (await handoffs.findOpen(channelId, conversationId))?.state === 'active',
    languageOf: async (channelId, conversationId) => (await handoffs.findLatest(channelId, conversationId))?.language ?? config.languages.default,
    logger,
  });
  const bot = new TierdeskBot(conversationState, userState, dialog, transcripts, languages, new VendorConsentRouting(vendors, new HandoffCustomerRouter(handoffs)));

  // Same authentication; the per-turn connector and token clients are built once and reused (reused-connectors.ts).
  const adapter = new TierdeskAdapter(
    new ReusedConnectorsAuthentication({
      MicrosoftAppId: config.auth.appId ?? '',
      MicrosoftAppPassword: config.auth.appPassword ?? '',
      MicrosoftAppTenantId: config.auth.tenantId ?? '',
      MicrosoftAppType: config.auth.appType,
    }),
  );
  const onTurnError = async (context: TurnContext, error: Error) => {
    logger.error('turn failed', { conversation: context.activity.conversation?.id, error: error.stack ?? error.message });
    await context.sendActivity(turnTexts(context).somethingWentWrong).catch(() => undefined);
  };
  adapter.onTurnError = onTurnError;
  const messageGuard = new MessageLengthGuard(config.maxMessageChars);
  const conversationRecorder = new CustomerConversationRecorder(stores.customerConversations, logger);
  adapter.use(conversationRecorder, messageGuard);

  const server = createHttpServer({
    adapter,
    bot,
    knowledge,
    logger,
    maxRequestBytes: config.maxRequestBytes,
    limits: createRequestLimits(config.limits),
    channelAuth: config.auth.appId !== undefined,
    privacy,
    tickets: { service: tickets, apiTokens: config.api.tokens },
    gaps: { feedback: stores.feedback, unmatched: unmatchedQuestions, tickets },
  });
  // Web Chat and the widget talk to the same bot through a self-hosted Direct Line endpoint.
  const directLine = mountDirectLine({
    server,
    store: stores.directLine,
    ...(stores.conversationSignals === undefined ? {} : { signals: stores.conversationSignals }),
    bot,
    onTurnError,
    config,
    logger,
  });
  directLine.channel.adapter.use(conversationRecorder, messageGuard);
  mountWebRoutes(server, { directLine, logger });
  channelSender = new AdapterChannelSender({
    directLine: directLine.channel.adapter,
    cloud: adapter,
    appId: config.auth.appId ?? '',
    directLineChannelId: DIRECT_LINE_CHANNEL_ID,
  });
  const signInLimiter = () => new TokenBucketLimiter({ capacity: config.agents.signInAttemptsPerMinute, refillPerSecond: config.agents.signInAttemptsPerMinute / 60 });
  const agentSessions = new AgentSessions(agents, config.agents.sessionHours);
  // Agent workspace (src/workspace): playbooks, suggestions and answer cards in the console.
  const playbooks = new PlaybookLibrary(path.join(config.knowledgeDir, 'playbooks'), logger);
  const workspace = new AgentWorkspace({
    playbooks,
    handoffs,
    tickets,
    knowledge: () => knowledge.status,
    timeZone: config.business.timeZone,
    defaultLanguage: config.languages.default,
    sends: stores.articleSends,
    logger,
  });
  mountAgentApi(server, {
    sessions: agentSessions,
    prepareMessage: (handoffId, agent, text) => workspace.fill(handoffId, agent, text),
    agents,
    handoffs,
    hub,
    logger,
    signInLimits: { perIp: signInLimiter(), perEmail: signInLimiter() },
    trustProxy: config.limits.trustProxy,
    secureCookies: config.publicUrl?.startsWith('https:') ?? false,
    sessionHours: config.agents.sessionHours,
  });
  // Resolved chats marked "worth an article" become drafts; admins publish them (hot reload, no restart).
  const drafts = new ArticleDrafts({ store: stores.articleDrafts, handoffs, knowledgeDir: config.knowledgeDir, knowledge, logger });
  handoffs.onEvent((name, handoff) => {
    if (name === 'handoff.resolved') drafts.fromResolved(handoff).catch((error: Error) => logger.error('article draft failed', { handoff: handoff.id, error: error.message }));
  });
  const knowledgeWatcher = new KnowledgeWatcher({
    dir: config.knowledgeDir,
    debounceMs: config.knowledgeReloadDebounceMs,
    reloadArticles: () => knowledge.reloadArticles(),
    reloadPlaybooks: () => playbooks.reload(),
    logger,
  });
  mountWorkspaceApi(server, { sessions: agentSessions, workspace, playbooks, drafts, handoffs, agents, tickets, slaWarningMinutes: config.sla.warningMinutes, logger });
  mountHandoffsApi(server, { handoffs, tokens: config.api.tokens, logger });
  mountVendorApi(server, { vendors, tokens: config.api.tokens, sessions: agentSessions, logger });
  if (webhooks) handoffs.onEvent((name, handoff, ticket) => webhooks.dispatchHandoff(name, handoff, ticket));
  mountAgentConsolePage(server, { logger });

  return {
    server,
    directLine,
    tickets,
    handoffs,
    vendors,
    agents,
    knowledge,
    stores,
    db,
    listen: async () => {
      // PostgreSQL: migrate (once across instances, under an advisory lock) before serving.
      await stores.ready();
      await playbooks.reload();
      knowledgeWatcher.start();
      // Streams held here get what other instances log (no sticky sessions needed).
      await directLine.channel.listenToOtherInstances();
      // Agents' consoles hear what happens on other instances, and are seen there as connected.
      await hub.listen();
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => {
          slaChecker.start();
          handoffs.start();
          vendors.start();
          retention.start();
          resolve(server.address() as AddressInfo);
        });
      });
    },
    close: async () => {
      await knowledgeWatcher.stop();
      await slaChecker.stop();
      await handoffs.stop();
      await vendors.stop();
      await hub.close();
      await retention.stop();
      await directLine.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await webhooks?.stop();
      await knowledge.stop();
      await servingModel?.then((pool) => pool.close(), () => undefined);
      await stores.close();
    },
  };
}
