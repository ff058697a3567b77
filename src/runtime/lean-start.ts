import { skipUnusedDialogRecognizers, skipUnusedServerDependencies } from './unused-dependencies.js';

/**
 * Imported first by the server's entry (src/index.ts), so it runs before any module loads
 * botbuilder-dialogs or restify: the recognizers of prompts tierdesk never uses are not loaded
 * (26 MB), nor restify's spdy and http-signature (~130 ms of CPU at start).
 */
skipUnusedDialogRecognizers();
skipUnusedServerDependencies();
