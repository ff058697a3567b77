import { skipUnusedDialogRecognizers } from './unused-dependencies.js';

/**
 * Imported first by the server's entry (src/index.ts), so it runs before any module loads
 * botbuilder-dialogs: the recognizers of prompts tierdesk never uses are not loaded (26 MB).
 */
skipUnusedDialogRecognizers();
