import { podDialogCommand } from './podDialog.js';

/** Opens the eviction confirmation for the selected pod (`POST .../pods/NAME/eviction`). */
export const evictPodCommand = podDialogCommand({ id: 'evict-pod', label: 'Evict pod…', button: 'Evict…', dialog: 'evict' });
