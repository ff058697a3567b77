import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

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

const unitInterval = (fallback: number) => number(fallback).pipe(z.number().min(-1).max(1));

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
  KNOWLEDGE_DIR: z.string().trim().min(1).default('knowledge'),
  EMBEDDING_MODEL: z.string().trim().min(1).default('Xenova/all-MiniLM-L6-v2'),
  MODEL_DIR: optionalString,
  EMBEDDING_BATCH_SIZE: number(16).pipe(z.number().int().min(1).max(512)),
  ANSWER_THRESHOLD: unitInterval(0.55),
  SUGGEST_THRESHOLD: unitInterval(0.45),
  CLOSE_MARGIN: number(0.03).pipe(z.number().min(0).max(1)),
  MAX_REQUEST_BYTES: number(262_144).pipe(z.number().int().min(1024)),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
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
  knowledgeDir: string;
  embedding: {
    modelId: string;
    /** Local model root (offline). When set, nothing is downloaded. */
    modelDir: string | undefined;
    batchSize: number;
  };
  thresholds: {
    /** Minimum score for answering from an article. */
    answer: number;
    /** Minimum score for an article to be offered as a "did you mean" choice. */
    suggest: number;
    /** Two articles closer than this are a close call: ask instead of answering. */
    closeMargin: number;
  };
  maxRequestBytes: number;
  logLevel: Env['LOG_LEVEL'];
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
  if (e.SUGGEST_THRESHOLD > e.ANSWER_THRESHOLD) {
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
    knowledgeDir: path.resolve(cwd, e.KNOWLEDGE_DIR),
    embedding: {
      modelId: e.EMBEDDING_MODEL,
      modelDir: e.MODEL_DIR === undefined ? undefined : path.resolve(cwd, e.MODEL_DIR),
      batchSize: e.EMBEDDING_BATCH_SIZE,
    },
    thresholds: {
      answer: e.ANSWER_THRESHOLD,
      suggest: e.SUGGEST_THRESHOLD,
      closeMargin: e.CLOSE_MARGIN,
    },
    maxRequestBytes: e.MAX_REQUEST_BYTES,
    logLevel: e.LOG_LEVEL,
  };
}

/** Loads `.env` from `cwd` into process.env when present (existing variables win), using Node's own loader. */
export function loadDotEnv(cwd = process.cwd()): void {
  const file = path.join(cwd, '.env');
  if (existsSync(file)) process.loadEnvFile(file);
}
