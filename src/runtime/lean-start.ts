import { skipUnusedDialogRecognizers, skipUnusedFrontMatterDependencies, skipUnusedServerDependencies } from './unused-dependencies.js';

/**
 * Imported first by the server's entry (src/index.ts), so it runs before any module loads
 * botbuilder-dialogs, restify or gray-matter: the recognizers of prompts tierdesk never uses are
 * not loaded (26 MB), nor restify's spdy and http-signature (~130 ms of CPU at start), nor the
 * JavaScript parser js-yaml keeps for a tag front matter never reads.
 */
skipUnusedDialogRecognizers();
skipUnusedServerDependencies();
skipUnusedFrontMatterDependencies();
