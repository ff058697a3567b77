import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ManifestUtil, type TeamsAppManifest, type TeamsAppManifestJSONSchema } from '@microsoft/teams-manifest';
import JSZip from 'jszip';
import { z } from 'zod';
import type { Config } from '../config.js';
import { en } from '../i18n/en.js';
import { allTexts, type Texts } from '../i18n/texts.js';
import { colorIconPng, outlineIconPng } from './icons.js';
import manifestSchemaV117 from './schema/MicrosoftTeams.v1.17.schema.json' with { type: 'json' };

/** The manifest version we write; its schema ships in ./schema so validation never needs the network. */
export const MANIFEST_VERSION = '1.17';
const SCHEMA_URL = `https://developer.microsoft.com/en-us/json-schemas/teams/v${MANIFEST_VERSION}/MicrosoftTeams.schema.json`;
/** Offline copies of the manifest JSON schemas, by manifestVersion. */
export const manifestSchemas: Record<string, unknown> = { [MANIFEST_VERSION]: manifestSchemaV117 };

/** The accent colour of the app in Teams (and the background of its colour icon). */
export const TEAMS_ACCENT_COLOR = '#0B5CAD';

/** A reason the package cannot be built, worded so the operator knows which setting to fix. */
export class TeamsPackageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TeamsPackageError';
  }
}

const guidSchema = z.string().regex(/^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$/);

/** An empty variable (as in a copied .env) means "not set". */
const unsetIfEmpty = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);
const link = z.preprocess(unsetIfEmpty, z.url({ protocol: /^https?$/ }).optional());

/**
 * Packaging-only settings (not needed to run the bot), read from the environment by the CLI.
 * Teams requires developer, privacy and terms links; they default to pages under PUBLIC_URL.
 */
export const teamsPackageEnvSchema = z.object({
  TEAMS_DEVELOPER_NAME: z.preprocess(unsetIfEmpty, z.string().trim().min(1).max(32).optional()),
  TEAMS_WEBSITE_URL: link,
  TEAMS_PRIVACY_URL: link,
  TEAMS_TERMS_URL: link,
});
export type TeamsPackageEnv = z.infer<typeof teamsPackageEnvSchema>;

/** Inputs of the packager: the bot's configuration plus packaging-only settings. */
export interface TeamsPackageOptions {
  config: Pick<Config, 'auth' | 'botName' | 'publicUrl'>;
  /** App version in the manifest (semver); the CLI passes package.json's version. */
  appVersion: string;
  env?: TeamsPackageEnv;
}

/** Where a default link points when nothing better is configured (Teams insists on the fields). */
const PLACEHOLDER_SITE = 'https://www.example.com';

/**
 * The Teams app manifest for this bot, built from configuration: the bot id is MICROSOFT_APP_ID,
 * the name BOT_NAME, links under PUBLIC_URL. Personal scope only: a support conversation is 1:1,
 * and in channels the bot would see @mention markup in every question.
 */
export function buildTeamsManifest(options: TeamsPackageOptions): { manifest: TeamsAppManifest; warnings: string[] } {
  const { config, env = {} } = options;
  const appId = config.auth.appId;
  if (appId === undefined) {
    throw new TeamsPackageError(
      'MICROSOFT_APP_ID is not set. The Teams package needs the Microsoft App ID of your Azure Bot registration (see docs/teams.md).',
    );
  }
  if (!guidSchema.safeParse(appId).success) {
    throw new TeamsPackageError(`MICROSOFT_APP_ID "${appId}" is not a GUID; copy the Microsoft App ID from the Azure Bot's Configuration page.`);
  }
  const warnings: string[] = [];
  const site = (config.publicUrl ?? PLACEHOLDER_SITE).replace(/\/+$/, '');
  if (config.publicUrl === undefined) warnings.push(`PUBLIC_URL is not set: developer links point at ${PLACEHOLDER_SITE}.`);
  if (env.TEAMS_PRIVACY_URL === undefined || env.TEAMS_TERMS_URL === undefined) {
    warnings.push('TEAMS_PRIVACY_URL / TEAMS_TERMS_URL are not set: using <site>/privacy and <site>/terms, which you must publish.');
  }
  const botName = config.botName;
  const manifest: TeamsAppManifest = {
    $schema: SCHEMA_URL,
    manifestVersion: MANIFEST_VERSION,
    version: options.appVersion,
    id: appId,
    developer: {
      name: env.TEAMS_DEVELOPER_NAME ?? botName,
      websiteUrl: env.TEAMS_WEBSITE_URL ?? site,
      privacyUrl: env.TEAMS_PRIVACY_URL ?? `${site}/privacy`,
      termsOfUseUrl: env.TEAMS_TERMS_URL ?? `${site}/terms`,
    },
    name: { short: botName, full: en.teamsFullName(botName).slice(0, 100) },
    description: { short: en.teamsDescriptionShort, full: en.teamsDescriptionFull },
    // Teams shows the listing in the user's language: one file per other language in src/i18n.
    localizationInfo: {
      defaultLanguageTag: 'en-us',
      additionalLanguages: teamsLocalizations(botName).map(({ languageTag, file }) => ({ languageTag, file })),
    },
    icons: { color: 'color.png', outline: 'outline.png' },
    accentColor: TEAMS_ACCENT_COLOR,
    bots: [{ botId: appId, scopes: ['personal'], supportsFiles: false, isNotificationOnly: false }],
    permissions: ['identity', 'messageTeamMembers'],
    validDomains: config.publicUrl === undefined ? [] : [new URL(config.publicUrl).host],
  };
  return { manifest, warnings };
}

/** A Teams localisation file (the manifest's strings in one more language) and where it goes in the package. */
export interface TeamsLocalization {
  languageTag: string;
  file: string;
  strings: Record<string, string>;
}

/**
 * The manifest strings in every language that has a texts file besides English (pt-BR, pl …):
 * adding a language to src/i18n adds its Teams listing too.
 */
export function teamsLocalizations(botName: string, languages: readonly Texts[] = allTexts): TeamsLocalization[] {
  return languages
    .filter((texts) => texts.language !== en.language)
    .map((texts) => {
      const languageTag = texts.dateLocale.toLowerCase();
      return {
        languageTag,
        file: `${languageTag}.json`,
        strings: {
          $schema: `https://developer.microsoft.com/en-us/json-schemas/teams/v${MANIFEST_VERSION}/MicrosoftTeams.Localization.schema.json`,
          'name.short': botName.slice(0, 30),
          'name.full': texts.teamsFullName(botName).slice(0, 100),
          'description.short': texts.teamsDescriptionShort.slice(0, 80),
          'description.full': texts.teamsDescriptionFull.slice(0, 4000),
        },
      };
    });
}

/** Problems with `manifest` against the bundled JSON schema of the version it declares (empty: valid). Offline. */
export async function validateTeamsManifest(manifest: TeamsAppManifest): Promise<string[]> {
  const schema = manifestSchemas[manifest.manifestVersion];
  if (schema === undefined) return [`no bundled schema for manifestVersion "${manifest.manifestVersion}"`];
  // The bundled file is the published schema; the library's generic type for it is only nominal.
  return ManifestUtil.validateManifestAgainstSchema(manifest, schema as TeamsAppManifestJSONSchema);
}

/**
 * Writes the Teams app package (manifest.json, color.png, outline.png in a zip) to `outFile`,
 * after checking the manifest against the schema, so Teams never rejects what we produce.
 */
export async function writeTeamsPackage(options: TeamsPackageOptions & { outFile: string }): Promise<{ file: string; manifest: TeamsAppManifest; warnings: string[] }> {
  const { manifest, warnings } = buildTeamsManifest(options);
  const problems = await validateTeamsManifest(manifest);
  if (problems.length > 0) throw new TeamsPackageError(`The generated manifest is not valid:\n  ${problems.join('\n  ')}`);
  const zip = new JSZip();
  zip.file('manifest.json', JSON.stringify(manifest, null, 2));
  zip.file('color.png', colorIconPng(TEAMS_ACCENT_COLOR));
  zip.file('outline.png', outlineIconPng());
  for (const localization of teamsLocalizations(options.config.botName)) zip.file(localization.file, JSON.stringify(localization.strings, null, 2));
  const bytes = await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
  await mkdir(path.dirname(options.outFile), { recursive: true });
  await writeFile(options.outFile, bytes);
  return { file: options.outFile, manifest, warnings };
}
