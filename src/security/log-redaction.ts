import type { Config } from '../config.js';
import type { Logger } from '../logger.js';

/**
 * A Logger that scrubs secrets from every line before it is written: the configured secrets by
 * value (API tokens, app password, Direct Line and webhook secrets) and anything shaped like a
 * credential (bearer headers, JWTs such as Direct Line tokens, `t=`/`token=` URL parameters,
 * passwords in URLs). Modules should not log secrets in the first place; this is the net under them.
 */

const REDACTED = '[redacted]';

const PATTERNS: readonly RegExp[] = [
  /\bBearer\s+[A-Za-z0-9._~+/=-]+/gi,
  /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}/g,
  /(?<=[?&](?:t|token|access_token|secret|password|code)=)[^&\s"']+/gi,
  /(?<=\/\/[^/\s:@"']+:)[^@\s/"']+(?=@)/g,
];

/** The configured secrets worth redacting by value (short values are skipped: they would redact ordinary words). */
export function configuredSecrets(config: Pick<Config, 'api' | 'auth' | 'directLine' | 'webhooks'>): string[] {
  return [...config.api.tokens, config.auth.appPassword, config.directLine.secret, config.webhooks.secret].filter(
    (value): value is string => typeof value === 'string' && value.length >= 8,
  );
}

/** `text` with every secret and credential-shaped substring replaced by "[redacted]". */
export function redact(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) result = result.split(secret).join(REDACTED);
  for (const pattern of PATTERNS) result = result.replace(pattern, REDACTED);
  return result;
}

function redactValue(value: unknown, secrets: readonly string[], depth = 0): unknown {
  if (typeof value === 'string') return redact(value, secrets);
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (value instanceof Error) return redact(value.stack ?? value.message, secrets);
  if (Array.isArray(value)) return value.map((item) => redactValue(item, secrets, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key,
      /^(authorization|password|secret|token|apiKey|api_key)$/i.test(key) ? REDACTED : redactValue(item, secrets, depth + 1),
    ]),
  );
}

/** Wraps `logger` so messages and fields are redacted (see the module comment). */
export function redactingLogger(logger: Logger, secrets: readonly string[]): Logger {
  const wrap =
    (log: Logger['info']): Logger['info'] =>
    (message, fields) =>
      log(redact(message, secrets), fields === undefined ? undefined : (redactValue(fields, secrets) as Record<string, unknown>));
  return { debug: wrap(logger.debug), info: wrap(logger.info), warn: wrap(logger.warn), error: wrap(logger.error) };
}
