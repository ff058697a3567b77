import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig, loadDotEnv } from '../config.js';
import { projectRoot } from '../project-root.js';
import { TeamsPackageError, teamsPackageEnvSchema, writeTeamsPackage } from './teams-package.js';

/** `npm run teams:package`: writes teams-package/tierdesk-teams.zip from .env / the environment. */
async function main(): Promise<void> {
  loadDotEnv();
  const config = loadConfig();
  const env = teamsPackageEnvSchema.safeParse(process.env);
  if (!env.success) {
    throw new ConfigError(`Invalid Teams package settings:\n  ${env.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n  ')}`);
  }
  const { version } = JSON.parse(readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')) as { version: string };
  const outFile = path.resolve('teams-package', 'tierdesk-teams.zip');
  const { manifest, warnings } = await writeTeamsPackage({ config, appVersion: version, env: env.data, outFile });
  for (const warning of warnings) process.stderr.write(`warning: ${warning}\n`);
  process.stdout.write(`Wrote ${path.relative(process.cwd(), outFile)} (manifest ${manifest.manifestVersion}, bot ${manifest.id}, "${manifest.name.short}").\n`);
  process.stdout.write('Upload it in Teams: Apps → Manage your apps → Upload an app (see docs/teams.md).\n');
}

main().catch((error: unknown) => {
  const known = error instanceof ConfigError || error instanceof TeamsPackageError;
  process.stderr.write(`${known ? (error as Error).message : ((error as Error).stack ?? String(error))}\n`);
  process.exit(1);
});
