import { describe, expect, it } from 'vitest';
import { ReusedConnectorsAuthentication } from '../src/bot/reused-connectors.js';

/** Authentication as the app configures it for local use (no app id, so no tokens are fetched). */
const authentication = () => new ReusedConnectorsAuthentication({ MicrosoftAppId: '', MicrosoftAppPassword: '', MicrosoftAppTenantId: '' });
type Identity = Parameters<ReusedConnectorsAuthentication['createConnectorFactory']>[0];
/** A caller's claims as the adapter hands them over (botframework-connector's ClaimsIdentity, by shape). */
const identity = (claims: { type: string; value: string }[]): Identity =>
  ({ claims, isAuthenticated: true, getClaimValue: (type: string) => claims.find((c) => c.type === type)?.value ?? null }) as unknown as Identity;
const anonymous = () => identity([]);
/** The URL a connector client sends to (protected in its typings). */
const baseUri = (client: object) => (client as { baseUri?: string }).baseUri;
const bot = (appId: string) => identity([{ type: 'aud', value: appId }]);

describe('reused Bot Framework clients', () => {
  it('gives every turn of the same app and service URL the same connector client', async () => {
    const auth = authentication();
    const first = await auth.createConnectorFactory(anonymous()).create('https://smba.example/teams/', 'https://api.botframework.com');
    const again = await auth.createConnectorFactory(anonymous()).create('https://smba.example/teams/', 'https://api.botframework.com');
    expect(again).toBe(first);
    expect(baseUri(first)).toBe('https://smba.example/teams/');
  });

  it('keeps clients apart per service URL, audience and app id', async () => {
    const auth = authentication();
    const teams = await auth.createConnectorFactory(anonymous()).create('https://smba.example/teams/', 'https://api.botframework.com');
    const webchat = await auth.createConnectorFactory(anonymous()).create('https://webchat.example/', 'https://api.botframework.com');
    const otherAudience = await auth.createConnectorFactory(anonymous()).create('https://smba.example/teams/', 'https://other.example');
    expect(webchat).not.toBe(teams);
    expect(baseUri(webchat)).toBe('https://webchat.example/');
    expect(otherAudience).not.toBe(teams);
    const tokensA = await auth.createUserTokenClient(bot('app-a'));
    expect(await auth.createUserTokenClient(bot('app-a'))).toBe(tokensA);
    expect(await auth.createUserTokenClient(bot('app-b'))).not.toBe(tokensA);
  });

  it('holds a bounded number of clients: a flood of service URLs does not grow it without limit', async () => {
    const auth = authentication();
    const factory = auth.createConnectorFactory(anonymous());
    const first = await factory.create('https://flood.example/0/', 'https://api.botframework.com');
    for (let i = 1; i <= 100; i++) await factory.create(`https://flood.example/${i}/`, 'https://api.botframework.com');
    // The first one was dropped (least recently used), so asking again builds a new client.
    expect(await factory.create('https://flood.example/0/', 'https://api.botframework.com')).not.toBe(first);
    // A recent one is still kept.
    const recent = await factory.create('https://flood.example/100/', 'https://api.botframework.com');
    expect(await factory.create('https://flood.example/100/', 'https://api.botframework.com')).toBe(recent);
  });
});
