import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { textLanguages } from './i18n/texts.js';
import { bodyVectorsSchema, type BodyVectors } from './knowledge/body-vectors.js';
import { DEFAULT_EMBEDDING_BATCH_SIZE, DEFAULT_MODEL_ID, modelSpec } from './search/model-registry.js';

/** Thrown when a setting is missing or malformed; the message names the variable so an operator can fix it. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const optionalString = z
  .string()
  .trim()
  .optional()
  .transform((value) => (value === undefined || value === '' ? undefined : value));

const number = (fallback: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((value) => (value === undefined || value === '' ? fallback : Number(value)))
    .pipe(z.number().finite());

/** Comma-separated list; empty or unset is an empty list. */
const list = (item: z.ZodType<string, string>) =>
  z
    .string()
    .optional()
    .transform((value) => (value ?? '').split(',').map((part) => part.trim()).filter(Boolean))
    .pipe(z.array(item));

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** A number the operator may leave unset (then the embedding model's measured default applies). */
const optionalNumber = (min: number, max: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((value) => (value === undefined || value === '' ? undefined : Number(value)))
    .pipe(z.number().finite().min(min).max(max).optional());

/**
 * A threshold: a number fixes it; `auto` (the default, also when unset) lets the knowledge service
 * calibrate it per language from the articles' own questions (src/search/self-calibration.ts).
 */
const autoNumber = (min: number, max: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((value) => (value === undefined || value === '' || value.toLowerCase() === 'auto' ? undefined : Number(value)))
    .pipe(z.number().finite().min(min).max(max).optional());

const optionalBoolean = z
  .enum(['true', 'false', '1', '0', ''])
  .optional()
  .transform((value) => (value === undefined || value === '' ? undefined : value === 'true' || value === '1'));

/**
 * Every setting tierdesk reads, by environment variable name. Defaults make a fresh clone run
 * locally (no channel auth, SQLite under ./data, the bundled sample knowledge).
 */
export const envSchema = z.object({
  PORT: number(3978).pipe(z.number().int().min(0).max(65535)),
  HOST: z.string().trim().default('0.0.0.0'),
  PUBLIC_URL: optionalString.pipe(z.url().optional()),
  MICROSOFT_APP_ID: optionalString,
  MICROSOFT_APP_PASSWORD: optionalString,
  MICROSOFT_APP_TENANT_ID: optionalString,
  MICROSOFT_APP_TYPE: z.enum(['MultiTenant', 'SingleTenant', 'UserAssignedMSI']).default('MultiTenant'),
  DATA_DIR: z.string().trim().min(1).default('data'),
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'a postgres://user:password@host:5432/database URL (unset: the SQLite file in DATA_DIR)')
      .optional(),
  ),
  KNOWLEDGE_DIR: z.string().trim().min(1).default('knowledge'),
  KNOWLEDGE_RELOAD_DEBOUNCE_MS: number(500).pipe(z.number().int().min(0).max(60_000)),
  KNOWLEDGE_BODY_VECTORS: bodyVectorsSchema.default('all'),
  LANGUAGES: list(z.string().regex(/^[a-z]{2,3}$/, 'a language code such as en, pt or pl')).transform((codes) =>
    codes.length === 0 ? ['en', 'pt', 'pl'] : [...new Set(codes)],
  ),
  DEFAULT_LANGUAGE: z.string().trim().regex(/^[a-z]{2,3}$/).default('en'),
  EMBEDDING_MODEL: z.string().trim().min(1).default(DEFAULT_MODEL_ID),
  EMBEDDING_QUANTIZED: optionalBoolean,
  MODEL_DIR: optionalString,
  EMBEDDING_BATCH_SIZE: number(DEFAULT_EMBEDDING_BATCH_SIZE).pipe(z.number().int().min(1).max(512)),
  EMBEDDING_QUERY_BATCH_SIZE: number(4).pipe(z.number().int().min(1).max(64)),
  ANSWER_THRESHOLD: autoNumber(-2, 2),
  SUGGEST_THRESHOLD: autoNumber(-2, 2),
  CLOSE_MARGIN: autoNumber(0, 1),
  MAX_WRONG_ANSWER_RATE: number(0.03).pipe(z.number().min(0).max(0.5)),
  MAX_REQUEST_BYTES: number(262_144).pipe(z.number().int().min(1024)),
  MAX_MESSAGE_CHARS: number(4000).pipe(z.number().int().min(100).max(100_000)),
  TRUST_PROXY: z.enum(['true', 'false', '1', '0', '']).optional().transform((value) => value === 'true' || value === '1'),
  RATE_LIMIT_SESSIONS_PER_MINUTE: number(20).pipe(z.number().int().min(0)),
  RATE_LIMIT_MESSAGES_PER_MINUTE: number(30).pipe(z.number().int().min(0)),
  RATE_LIMIT_API_PER_MINUTE: number(300).pipe(z.number().int().min(0)),
  RETENTION_DAYS: number(90).pipe(z.number().int().min(0).max(36_500)),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  TIER_RULES_FILE: optionalString,
  TIER_THRESHOLD: optionalNumber(-1, 1),
  TIER_MARGIN: optionalNumber(0, 1),
  API_TOKENS: list(z.string().min(16, 'each API token needs at least 16 characters')),
  WEBHOOK_URLS: list(z.url()),
  WEBHOOK_SECRET: optionalString,
  SLA_L1_HOURS: number(24).pipe(z.number().positive()),
  SLA_L2_HOURS: number(8).pipe(z.number().positive()),
  SLA_L3_HOURS: number(4).pipe(z.number().positive()),
  SLA_L4_HOURS: number(8).pipe(z.number().positive()),
  SLA_CHECK_SECONDS: number(60).pipe(z.number().int().min(1)),
  /** Vendor step of L4: does time waiting on a vendor count against the SLA? paused = due time moves by the wait. */
  SLA_VENDOR_TIME: z.enum(['paused', 'running', '']).default('paused').transform((value) => value || 'paused'),
  /** Supervisor view: tickets due within this many minutes (or overdue) are listed as about to breach. */
  SUPERVISOR_SLA_WARNING_MINUTES: number(120).pipe(z.number().int().min(1)),
  /** YAML list of vendors (id, name, email, responseHours); default `<KNOWLEDGE_DIR>/vendors.yaml`. */
  VENDORS_FILE: optionalString,
  TIME_ZONE: z.string().trim().default('UTC').refine(isTimeZone, 'must be an IANA time zone such as "Europe/Berlin"'),
  BUSINESS_HOURS: z
    .string()
    .trim()
    .default('Mon-Fri 09:00-17:00')
    .refine((value) => /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun)(-(Mon|Tue|Wed|Thu|Fri|Sat|Sun))? ([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/.test(value), 'must look like "Mon-Fri 09:00-17:00"'),
  CALLBACK_SLOT_MINUTES: number(30).pipe(z.number().int().min(5).max(240)),
  CALLBACK_DAYS_AHEAD: number(5).pipe(z.number().int().min(1).max(30)),
  HANDOFF_TIERS: z
    .string()
    .optional()
    .transform((value) => (value === undefined ? 'L1,L2,L3,L4' : value).split(',').map((part) => part.trim().toUpperCase()).filter(Boolean))
    .pipe(z.array(z.enum(['L1', 'L2', 'L3', 'L4']))),
  HANDOFF_QUEUE_LIMIT: number(20).pipe(z.number().int().min(1).max(10_000)),
  HANDOFF_QUEUE_TIMEOUT_MINUTES: number(15).pipe(z.number().min(1).max(1440)),
  AGENT_SESSION_HOURS: number(12).pipe(z.number().min(0.25).max(720)),
  AGENT_SIGNIN_ATTEMPTS_PER_MINUTE: number(10).pipe(z.number().int().min(1).max(1000)),
  DIRECTLINE_SECRET: optionalString.pipe(z.string().min(32, 'must be at least 32 characters').optional()),
  DIRECTLINE_TOKEN_TTL_SECONDS: number(1800).pipe(z.number().int().min(60).max(86_400)),
  BOT_NAME: z.string().trim().min(1).max(30).default('tierdesk'),
});

export type Env = z.infer<typeof envSchema>;

/** The validated configuration the rest of the app receives (never process.env directly). */
export interface Config {
  port: number;
  host: string;
  publicUrl: string | undefined;
  auth: {
    appId: string | undefined;
    appPassword: string | undefined;
    tenantId: string | undefined;
    appType: Env['MICROSOFT_APP_TYPE'];
  };
  dataDir: string;
  /** postgres://… : every instance shares state in PostgreSQL; undefined: the embedded SQLite file in dataDir. */
  databaseUrl: string | undefined;
  knowledgeDir: string;
  /** Hot reload: quiet time after the last change under KNOWLEDGE_DIR before articles and playbooks are re-read; 0 = no watching. */
  knowledgeReloadDebounceMs: number;
  /**
   * Which article body chunks get vectors (src/knowledge/knowledge-index.ts, BodyVectors): `all`,
   * the `first` of each article, or `none` (keyword index only). Fewer is faster to index and
   * smaller in memory for large knowledge bases; see bench/results/2026-11-25-round3-10k.md.
   */
  knowledgeBodyVectors: BodyVectors;
  languages: {
    /** Languages the desk speaks (each needs src/i18n/<code>.ts); the conversation's language is one of these. */
    supported: string[];
    /** Used when neither the customer's words nor the channel's locale say which supported language to use. */
    default: string;
  };
  embedding: {
    modelId: string;
    /** Local model root (offline). When set, nothing is downloaded. */
    modelDir: string | undefined;
    batchSize: number;
    /**
     * Most customer questions per model call in the micro-batcher. Small: e5 float's own ceiling on
     * one intra-op thread was 44.5/s at 1, 55.4 at 2, 55.0 at 4 and 42.0 at 16 texts per call
     * (`npm run bench`, padding to the longest text), and a call blocks the event loop (~75 ms at 4,
     * ~380 ms at 16).
     */
    queryBatchSize: number;
    /** int8 `model_quantized.onnx` or float `model.onnx`; undefined: the model registry's choice. */
    quantized: boolean | undefined;
  };
  thresholds: {
    /** Minimum score for answering from an article. */
    answer: number;
    /** Minimum score for an article to be offered as a "did you mean" choice. */
    suggest: number;
    /** Two articles closer than this are a close call: ask instead of answering. */
    closeMargin: number;
  };
  /**
   * The thresholds the operator set to a number; the others are `auto`: calibrated per language
   * at startup/ingest, with `thresholds` used until the calibration is ready.
   */
  fixedThresholds: { answer?: number; suggest?: number; closeMargin?: number };
  /** Self-calibration target: highest share of wrong answers (in scope and out of scope). */
  maxWrongAnswerRate: number;
  maxRequestBytes: number;
  /** A customer message longer than this gets a polite refusal instead of a search (src/security/message-guard.ts). */
  maxMessageChars: number;
  limits: {
    /** Believe X-Forwarded-For (only behind a reverse proxy that overwrites it). */
    trustProxy: boolean;
    /** Per client IP: /api/webchat/session and the Direct Line token/conversation routes; 0 = no limit. */
    sessionsPerMinute: number;
    /** Per conversation: Direct Line activities and /api/messages; 0 = no limit. */
    messagesPerMinute: number;
    /** Per bearer token: the staff APIs (/api/tickets, /api/customers, /api/handoffs); 0 = no limit. */
    apiPerMinute: number;
  };
  /** Days transcripts, Direct Line logs, feedback and closed tickets are kept; 0 = keep forever. */
  retentionDays: number;
  logLevel: Env['LOG_LEVEL'];
  tiers: {
    /** YAML file of operator rules (keywords / regex → tier) that override the classifier; default `<KNOWLEDGE_DIR>/tiers/rules.yaml`. */
    rulesFile: string;
    /** Below this similarity the classifier abstains and the bot asks which kind of help is wanted. */
    threshold: number;
    /** Abstain when the best two tiers are closer than this. */
    margin: number;
  };
  api: {
    /** Bearer tokens accepted by /api/tickets; empty disables the API (every call is refused). */
    tokens: string[];
  };
  webhooks: {
    urls: string[];
    /** HMAC-SHA256 key for the signature header; required when URLs are set. */
    secret: string | undefined;
  };
  sla: {
    /** Hours until a ticket of each tier is due. */
    hours: Record<'L1' | 'L2' | 'L3' | 'L4', number>;
    checkIntervalSeconds: number;
    /** SLA_VENDOR_TIME: paused pushes the due time by the time spent waiting on a vendor. */
    vendorTime: 'paused' | 'running';
    /** SUPERVISOR_SLA_WARNING_MINUTES: how soon a due time counts as "about to breach" in the supervisor view. */
    warningMinutes: number;
  };
  /** VENDORS_FILE: the vendors an L4 ticket can be passed to. */
  vendorsFile: string;
  business: {
    timeZone: string;
    /** e.g. "Mon-Fri 09:00-17:00": callback slots are offered only inside these hours. */
    hours: string;
    callbackSlotMinutes: number;
    callbackDaysAhead: number;
  };
  directLine: {
    /** Site secret that mints conversation tokens; unset: one is generated once and kept in DATA_DIR (src/directline/site-secret.ts). */
    secret: string | undefined;
    tokenTtlSeconds: number;
  };
  botName: string;
  handoff: {
    /** Tiers that offer live chat with an agent (HANDOFF_TIERS; default all four). */
    tiers: ('L1' | 'L2' | 'L3' | 'L4')[];
    /** Waiting customers per tier beyond which live chat is not offered. */
    queueLimit: number;
    /** Minutes in the queue after which the customer is told and the ticket stays for the team. */
    queueTimeoutMinutes: number;
  };
  agents: {
    /** Console session lifetime. */
    sessionHours: number;
    /** Sign-in attempts per minute, per client IP and per email. */
    signInAttemptsPerMinute: number;
  };
}

/** Formats zod issues as "VARIABLE: reason" lines. */
function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
    .join('\n  ');
}

/**
 * Reads configuration from an environment map (process.env by default). Relative paths are
 * resolved against `cwd`. Throws ConfigError naming each bad variable.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(`Invalid configuration:\n  ${describeIssues(parsed.error)}`);
  }
  const e = parsed.data;
  if (e.MICROSOFT_APP_ID && !e.MICROSOFT_APP_PASSWORD && e.MICROSOFT_APP_TYPE !== 'UserAssignedMSI') {
    throw new ConfigError(
      'Invalid configuration:\n  MICROSOFT_APP_PASSWORD: required when MICROSOFT_APP_ID is set (or set MICROSOFT_APP_TYPE=UserAssignedMSI)',
    );
  }
  if (e.MICROSOFT_APP_TYPE === 'SingleTenant' && e.MICROSOFT_APP_ID && !e.MICROSOFT_APP_TENANT_ID) {
    throw new ConfigError('Invalid configuration:\n  MICROSOFT_APP_TENANT_ID: required for a SingleTenant app');
  }
  if (e.WEBHOOK_URLS.length > 0 && e.WEBHOOK_SECRET === undefined) {
    throw new ConfigError('Invalid configuration:\n  WEBHOOK_SECRET: required when WEBHOOK_URLS is set (receivers verify the signature with it)');
  }
  const untranslated = e.LANGUAGES.filter((language) => !textLanguages.includes(language));
  if (untranslated.length > 0) {
    throw new ConfigError(
      `Invalid configuration:\n  LANGUAGES: no texts for ${untranslated.join(', ')} (add src/i18n/<code>.ts; available: ${textLanguages.join(', ')})`,
    );
  }
  if (!e.LANGUAGES.includes(e.DEFAULT_LANGUAGE)) {
    throw new ConfigError(`Invalid configuration:\n  DEFAULT_LANGUAGE: "${e.DEFAULT_LANGUAGE}" is not one of LANGUAGES (${e.LANGUAGES.join(', ')})`);
  }
  // Unset thresholds take the embedding model's measured defaults (src/search/model-registry.ts):
  // scores of different models sit in different ranges.
  const modelDefaults = modelSpec(e.EMBEDDING_MODEL).thresholds;
  const answer = e.ANSWER_THRESHOLD ?? modelDefaults.answer;
  const suggest = e.SUGGEST_THRESHOLD ?? Math.min(modelDefaults.suggest, answer);
  if (suggest > answer) {
    throw new ConfigError('Invalid configuration:\n  SUGGEST_THRESHOLD: must not be above ANSWER_THRESHOLD');
  }
  return {
    port: e.PORT,
    host: e.HOST,
    publicUrl: e.PUBLIC_URL,
    auth: {
      appId: e.MICROSOFT_APP_ID,
      appPassword: e.MICROSOFT_APP_PASSWORD,
      tenantId: e.MICROSOFT_APP_TENANT_ID,
      appType: e.MICROSOFT_APP_TYPE,
    },
    dataDir: path.resolve(cwd, e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    knowledgeDir: path.resolve(cwd, e.KNOWLEDGE_DIR),
    knowledgeReloadDebounceMs: e.KNOWLEDGE_RELOAD_DEBOUNCE_MS,
    knowledgeBodyVectors: e.KNOWLEDGE_BODY_VECTORS,
    languages: { supported: e.LANGUAGES, default: e.DEFAULT_LANGUAGE },
    embedding: {
      modelId: e.EMBEDDING_MODEL,
      modelDir: e.MODEL_DIR === undefined ? undefined : path.resolve(cwd, e.MODEL_DIR),
      batchSize: e.EMBEDDING_BATCH_SIZE,
      queryBatchSize: e.EMBEDDING_QUERY_BATCH_SIZE,
      quantized: e.EMBEDDING_QUANTIZED,
    },
    thresholds: {
      answer,
      suggest,
      closeMargin: e.CLOSE_MARGIN ?? modelDefaults.closeMargin,
    },
    fixedThresholds: {
      ...(e.ANSWER_THRESHOLD === undefined ? {} : { answer: e.ANSWER_THRESHOLD }),
      ...(e.SUGGEST_THRESHOLD === undefined ? {} : { suggest: e.SUGGEST_THRESHOLD }),
      ...(e.CLOSE_MARGIN === undefined ? {} : { closeMargin: e.CLOSE_MARGIN }),
    },
    maxWrongAnswerRate: e.MAX_WRONG_ANSWER_RATE,
    maxRequestBytes: e.MAX_REQUEST_BYTES,
    maxMessageChars: e.MAX_MESSAGE_CHARS,
    limits: {
      trustProxy: e.TRUST_PROXY,
      sessionsPerMinute: e.RATE_LIMIT_SESSIONS_PER_MINUTE,
      messagesPerMinute: e.RATE_LIMIT_MESSAGES_PER_MINUTE,
      apiPerMinute: e.RATE_LIMIT_API_PER_MINUTE,
    },
    retentionDays: e.RETENTION_DAYS,
    logLevel: e.LOG_LEVEL,
    tiers: {
      rulesFile: path.resolve(cwd, e.TIER_RULES_FILE ?? path.join(e.KNOWLEDGE_DIR, 'tiers', 'rules.yaml')),
      threshold: e.TIER_THRESHOLD ?? modelDefaults.tierThreshold,
      margin: e.TIER_MARGIN ?? modelDefaults.tierMargin,
    },
    api: { tokens: e.API_TOKENS },
    webhooks: { urls: e.WEBHOOK_URLS, secret: e.WEBHOOK_SECRET },
    vendorsFile: path.resolve(cwd, e.VENDORS_FILE ?? path.join(e.KNOWLEDGE_DIR, 'vendors.yaml')),
    sla: {
      hours: { L1: e.SLA_L1_HOURS, L2: e.SLA_L2_HOURS, L3: e.SLA_L3_HOURS, L4: e.SLA_L4_HOURS },
      checkIntervalSeconds: e.SLA_CHECK_SECONDS,
      vendorTime: e.SLA_VENDOR_TIME,
      warningMinutes: e.SUPERVISOR_SLA_WARNING_MINUTES,
    },
    business: {
      timeZone: e.TIME_ZONE,
      hours: e.BUSINESS_HOURS,
      callbackSlotMinutes: e.CALLBACK_SLOT_MINUTES,
      callbackDaysAhead: e.CALLBACK_DAYS_AHEAD,
    },
    directLine: { secret: e.DIRECTLINE_SECRET, tokenTtlSeconds: e.DIRECTLINE_TOKEN_TTL_SECONDS },
    botName: e.BOT_NAME,
    handoff: { tiers: [...new Set(e.HANDOFF_TIERS)], queueLimit: e.HANDOFF_QUEUE_LIMIT, queueTimeoutMinutes: e.HANDOFF_QUEUE_TIMEOUT_MINUTES },
    agents: { sessionHours: e.AGENT_SESSION_HOURS, signInAttemptsPerMinute: e.AGENT_SIGNIN_ATTEMPTS_PER_MINUTE },
  };
}

/** Loads `.env` from `cwd` into process.env when present (existing variables win), using Node's own loader. */
export function loadDotEnv(cwd = process.cwd()): void {
  const file = path.join(cwd, '.env');
  if (existsSync(file)) process.loadEnvFile(file);
}
