/** The NetworkPolicy shapes live in api/ (the address-group controller reads them too). */
export type * from '../../api/networkPolicy.js';
