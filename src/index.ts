import { ConfigError, loadConfig, loadDotEnv } from './config.js';
import { createLogger } from './logger.js';
import { liftHeapGrowthCapWhileLoading } from './runtime/load-heap-growth.js';
import { startServingModel } from './search/create-embedder.js';

/**
 * Entry point: read config, start loading the model in its thread, build the app, listen, and
 * shut down cleanly on SIGINT/SIGTERM. The app (botbuilder, restify: ~1.5 s of CPU) is imported
 * only after the model thread has started, so the two load on two cores at once.
 */
async function main(): Promise<void> {
  loadDotEnv();
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const servingModel = startServingModel(config);
  const restoreHeapGrowthCap = liftHeapGrowthCapWhileLoading();
  // Before anything imports botbuilder-dialogs or restify: keeps out the parts tierdesk never uses.
  await import('./runtime/lean-start.js');
  const { createApp } = await import('./app.js');
  const app = createApp(config, { logger, servingModel });
  // Resolved after the first load, ahead of the collections it schedules (collect-garbage.ts); or after it failed.
  void app.knowledge.ready.then(restoreHeapGrowthCap, restoreHeapGrowthCap);
  const address = await app.listen();
  logger.info('tierdesk listening', {
    url: `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`,
    channelAuth: config.auth.appId === undefined ? 'off (local development)' : 'on',
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    await app.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : (error as Error).stack}\n`);
  process.exit(1);
});
