/**
 * The baseline for `npm run bench`: a bare botbuilder echo bot on the same stack as tierdesk
 * (restify + CloudAdapter, no channel auth, JSON body parser), nothing else. Run as a script it
 * listens and prints its port; bench/run.ts also builds one in-process (`createEchoServer`) for
 * the one-conversation split, so the echo bot's CPU per turn is measured in the same window.
 */
import { pathToFileURL } from 'node:url';
import { ActivityTypes, CloudAdapter, ConfigurationBotFrameworkAuthentication, type TurnContext } from 'botbuilder';
import restify from 'restify';

export function createEchoServer(): restify.Server {
  const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
  const server = restify.createServer({ handleUncaughtExceptions: false });
  server.use(restify.plugins.bodyParser({ mapParams: false }));
  server.post('/api/messages', async (req, res) => {
    await adapter.process(req, res, async (context: TurnContext) => {
      if (context.activity.type === ActivityTypes.Message) await context.sendActivity(`You said: ${context.activity.text ?? ''}`);
    });
  });
  return server;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = createEchoServer();
  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`);
  });
}
