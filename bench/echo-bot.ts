/**
 * The baseline for `npm run bench`: a bare botbuilder echo bot on the same stack as tierdesk
 * (restify + CloudAdapter, no channel auth, JSON body parser), nothing else. Prints its port.
 */
import { ActivityTypes, CloudAdapter, ConfigurationBotFrameworkAuthentication, type TurnContext } from 'botbuilder';
import restify from 'restify';

const adapter = new CloudAdapter(new ConfigurationBotFrameworkAuthentication({}));
const server = restify.createServer({ handleUncaughtExceptions: false });
server.use(restify.plugins.bodyParser({ mapParams: false }));
server.post('/api/messages', async (req, res) => {
  await adapter.process(req, res, async (context: TurnContext) => {
    if (context.activity.type === ActivityTypes.Message) await context.sendActivity(`You said: ${context.activity.text ?? ''}`);
  });
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`);
});
