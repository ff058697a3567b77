import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { inflateSync } from 'node:zlib';
import { ManifestUtil, type TeamsAppManifest, type TeamsAppManifestJSONSchema } from '@microsoft/teams-manifest';
import JSZip from 'jszip';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { buildTeamsManifest, TeamsPackageError, writeTeamsPackage } from '../src/teams/teams-package.js';
import { repoRoot, tempDir } from './support/test-app.js';

const APP_ID = '8f0e6c1a-3b2d-4e5f-9a7b-1c2d3e4f5a6b';

/** Width, height and RGBA pixels of a PNG written by our encoder (8-bit RGBA, filter 0 rows). */
function decodePng(bytes: Buffer): { width: number; height: number; pixels: Buffer } {
  expect(bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(bytes.toString('ascii', 12, 16)).toBe('IHDR');
  const width = bytes.readUInt32BE(16);
  const height = bytes.readUInt32BE(20);
  expect([bytes[24], bytes[25]]).toEqual([8, 6]); // 8-bit RGBA
  const idat: Buffer[] = [];
  for (let offset = 8; offset < bytes.length; ) {
    const length = bytes.readUInt32BE(offset);
    if (bytes.toString('ascii', offset + 4, offset + 8) === 'IDAT') idat.push(bytes.subarray(offset + 8, offset + 8 + length));
    offset += 12 + length;
  }
  const rows = inflateSync(Buffer.concat(idat));
  const pixels = Buffer.alloc(width * height * 4);
  for (let y = 0; y < height; y++) {
    expect(rows[y * (width * 4 + 1)]).toBe(0);
    rows.copy(pixels, y * width * 4, y * (width * 4 + 1) + 1, (y + 1) * (width * 4 + 1));
  }
  return { width, height, pixels };
}

/** The schema file for a manifest version, read from the repository (never fetched). */
function bundledSchema(version: string): TeamsAppManifestJSONSchema {
  const file = path.join(repoRoot, 'src', 'teams', 'schema', `MicrosoftTeams.v${version}.schema.json`);
  return JSON.parse(readFileSync(file, 'utf8')) as TeamsAppManifestJSONSchema;
}

describe('npm run teams:package', () => {
  const outDir = tempDir('tierdesk-teams-');
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  const config = loadConfig({
    MICROSOFT_APP_ID: APP_ID,
    MICROSOFT_APP_PASSWORD: 'not-a-real-secret',
    BOT_NAME: 'Foldera Help',
    PUBLIC_URL: 'https://support.foldera.example',
  });

  it('writes a zip whose manifest validates offline against the schema of the version it declares', async () => {
    const outFile = path.join(outDir, 'teams-package', 'tierdesk-teams.zip');
    await writeTeamsPackage({ config, appVersion: '0.1.0', outFile, env: { TEAMS_PRIVACY_URL: 'https://foldera.example/privacy' } });

    const zip = await JSZip.loadAsync(readFileSync(outFile));
    expect(Object.keys(zip.files).sort()).toEqual(['color.png', 'manifest.json', 'outline.png', 'pl.json', 'pt-br.json']);
    const manifest = JSON.parse(await zip.file('manifest.json')!.async('string')) as TeamsAppManifest;
    // Localised listings (pt-BR, pl): every file the manifest names is in the zip, in that language.
    expect(manifest.localizationInfo).toEqual({
      defaultLanguageTag: 'en-us',
      additionalLanguages: [
        { languageTag: 'pt-br', file: 'pt-br.json' },
        { languageTag: 'pl', file: 'pl.json' },
      ],
    });
    const portuguese = JSON.parse(await zip.file('pt-br.json')!.async('string')) as Record<string, string>;
    expect(portuguese).toMatchObject({ 'name.short': 'Foldera Help', 'name.full': 'Central de suporte Foldera Help' });
    expect(portuguese['description.short']!.length).toBeLessThanOrEqual(80);
    const polish = JSON.parse(await zip.file('pl.json')!.async('string')) as Record<string, string>;
    expect(polish['description.short']).toMatch(/bazy wiedzy/);

    expect(await ManifestUtil.validateManifestAgainstSchema(manifest, bundledSchema(manifest.manifestVersion))).toEqual([]);
    expect(manifest.$schema).toContain(`/teams/v${manifest.manifestVersion}/MicrosoftTeams.schema.json`);
    expect(manifest.bots?.[0]?.botId).toBe(APP_ID);
    expect(manifest.name.short).toBe('Foldera Help');
    expect(manifest.developer).toMatchObject({
      websiteUrl: 'https://support.foldera.example',
      privacyUrl: 'https://foldera.example/privacy',
      termsOfUseUrl: 'https://support.foldera.example/terms',
    });
    expect(manifest.validDomains).toEqual(['support.foldera.example']);
    expect(manifest.icons).toEqual({ color: 'color.png', outline: 'outline.png' });
  });

  it('draws a 192×192 colour icon and a 32×32 outline icon that is white on transparent', async () => {
    const outFile = path.join(outDir, 'icons.zip');
    await writeTeamsPackage({ config, appVersion: '0.1.0', outFile });
    const zip = await JSZip.loadAsync(readFileSync(outFile));

    const color = decodePng(await zip.file('color.png')!.async('nodebuffer'));
    expect([color.width, color.height]).toEqual([192, 192]);
    // Opaque everywhere, accent colour in the corner, white in the bubble.
    expect(color.pixels.filter((_, i) => i % 4 === 3 && color.pixels[i] !== 255).length).toBe(0);
    expect([...color.pixels.subarray(0, 3)]).toEqual([0x0b, 0x5c, 0xad]);

    const outline = decodePng(await zip.file('outline.png')!.async('nodebuffer'));
    expect([outline.width, outline.height]).toEqual([32, 32]);
    let visible = 0;
    const notWhite: number[] = [];
    for (let i = 0; i < outline.pixels.length; i += 4) {
      if (outline.pixels[i + 3] === 0) continue;
      visible++;
      if (outline.pixels[i] !== 255 || outline.pixels[i + 1] !== 255 || outline.pixels[i + 2] !== 255) notWhite.push(i / 4);
    }
    expect(notWhite).toEqual([]);
    expect(outline.pixels[3]).toBe(0); // transparent corner
    expect(visible).toBeGreaterThan(50);
    expect(visible).toBeLessThan(32 * 32 * 0.6);
  });

  it('refuses to package without MICROSOFT_APP_ID, or with one that is not a GUID, saying what to set', () => {
    const withoutId = loadConfig({ BOT_NAME: 'tierdesk' });
    expect(() => buildTeamsManifest({ config: withoutId, appVersion: '0.1.0' })).toThrow(TeamsPackageError);
    expect(() => buildTeamsManifest({ config: withoutId, appVersion: '0.1.0' })).toThrow(/MICROSOFT_APP_ID is not set/);
    const badId = loadConfig({ MICROSOFT_APP_ID: 'my-bot', MICROSOFT_APP_PASSWORD: 'x' });
    expect(() => buildTeamsManifest({ config: badId, appVersion: '0.1.0' })).toThrow(/not a GUID/);
  });

  it('falls back to placeholder links with a warning when PUBLIC_URL is not set, and still validates', async () => {
    const noUrl = loadConfig({ MICROSOFT_APP_ID: APP_ID, MICROSOFT_APP_PASSWORD: 'x' });
    const { manifest, warnings } = buildTeamsManifest({ config: noUrl, appVersion: '1.2.3' });
    expect(warnings.join('\n')).toMatch(/PUBLIC_URL is not set/);
    expect(manifest.name.short).toBe('tierdesk');
    expect(await ManifestUtil.validateManifestAgainstSchema(manifest, bundledSchema(manifest.manifestVersion))).toEqual([]);
  });

  it('the bundled schema really rejects a broken manifest (so a pass means something)', async () => {
    const { manifest } = buildTeamsManifest({ config, appVersion: '0.1.0' });
    const broken = { ...manifest, accentColor: 'blue', bots: [{ botId: 'not-a-guid', scopes: ['personal'] }], surprise: true } as unknown as TeamsAppManifest;
    const problems = await ManifestUtil.validateManifestAgainstSchema(broken, bundledSchema(manifest.manifestVersion));
    expect(problems.join('\n')).toMatch(/accentColor/);
    expect(problems.join('\n')).toMatch(/botId/);
    expect(problems.join('\n')).toMatch(/additional properties/);
  });
});
