import { podDialogCommand } from './podDialog.js';

/**
 * Asks, then deletes the selected pod (graceful: its node stops the containers); the confirmation
 * says whether a controller will replace it.
 */
export const deletePod = podDialogCommand({ id: 'delete-pod', label: 'Delete pod…', dialog: 'delete' });
