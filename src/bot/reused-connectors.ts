import { ConfigurationBotFrameworkAuthentication } from 'botbuilder';
import { LruMap } from '../lru-map.js';

type Base = ConfigurationBotFrameworkAuthentication;
type AuthenticateRequestResult = Awaited<ReturnType<Base['authenticateRequest']>>;
type ClaimsIdentity = Parameters<Base['createConnectorFactory']>[0];
type ConnectorFactory = ReturnType<Base['createConnectorFactory']>;
type ConnectorClient = Awaited<ReturnType<ConnectorFactory['create']>>;
type UserTokenClient = Awaited<ReturnType<Base['createUserTokenClient']>>;

/** Most clients kept (distinct app id × service URL × audience); the least recently used goes first. */
const MAX_CLIENTS = 64;

/** Claims that name the bot's app id (botframework-connector's own lookup: audience, then appid). */
function appIdOf(identity: ClaimsIdentity): string {
  return identity.getClaimValue('aud') ?? identity.getClaimValue('appid') ?? '';
}

/** A small LRU of clients by key. */
class ClientCache<T> {
  private readonly entries = new LruMap<string, Promise<T>>(MAX_CLIENTS);

  get(key: string, create: () => Promise<T>): Promise<T> {
    const hit = this.entries.get(key);
    if (hit !== undefined) return hit;
    const made = create();
    this.entries.set(key, made);
    // A failed creation is not kept: the next turn tries again.
    made.catch(() => this.entries.delete(key));
    return made;
  }
}

/**
 * Bot Framework authentication as configured, except that CloudAdapter's per-turn clients are
 * reused: it builds a new ConnectorClient (an Azure ServiceClient with its whole HTTP pipeline)
 * and a new UserTokenClient for every turn, even an `expectReplies` turn that never calls out —
 * ~0.2 ms of a turn's CPU in the profile (bench/results/2026-11-25-round3-turn.md). Neither
 * client holds per-turn state (their credentials fetch and cache tokens themselves), so one per
 * app id, service URL and audience serves every turn. Authentication itself is untouched.
 */
export class ReusedConnectorsAuthentication extends ConfigurationBotFrameworkAuthentication {
  private readonly connectors = new ClientCache<ConnectorClient>();
  private readonly tokenClients = new ClientCache<UserTokenClient>();

  override async authenticateRequest(...args: Parameters<Base['authenticateRequest']>): Promise<AuthenticateRequestResult> {
    const result = await super.authenticateRequest(...args);
    if (result.connectorFactory === undefined) return result;
    return { ...result, connectorFactory: this.reusing(result.connectorFactory, appIdOf(result.claimsIdentity)) };
  }

  override createConnectorFactory(identity: ClaimsIdentity): ConnectorFactory {
    return this.reusing(super.createConnectorFactory(identity), appIdOf(identity));
  }

  override createUserTokenClient(identity: ClaimsIdentity): Promise<UserTokenClient> {
    return this.tokenClients.get(appIdOf(identity), () => super.createUserTokenClient(identity));
  }

  private reusing(factory: ConnectorFactory, appId: string): ConnectorFactory {
    return {
      create: (serviceUrl: string, audience?: string) =>
        this.connectors.get(`${appId}\n${serviceUrl}\n${audience ?? ''}`, () => factory.create(serviceUrl, audience)),
    };
  }
}
