/**
 * A real tierdesk process for multi-process tests: the same createApp as src/index.ts, configured
 * from the environment, with the hashing stand-in embedder (plumbing only; no model to load, so
 * two processes start in seconds). Prints `{"ready":"http://…"}` on stderr once knowledge is ready.
 */
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { HashingTestEmbedder } from '../../src/search/hashing-test-embedder.js';

const config = loadConfig();
const logger = createLogger(config.logLevel);
const app = createApp(config, { createEmbedder: async () => new HashingTestEmbedder(), logger });
const address = await app.listen();
await app.knowledge.ready;
process.stderr.write(`${JSON.stringify({ ready: `http://127.0.0.1:${address.port}` })}\n`);
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
