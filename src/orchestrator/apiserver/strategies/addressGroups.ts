import { ADDRESS_GROUP_API } from '../../api/addressGroup.js';
import { ApiError } from '../../api/errors.js';
import { SYSTEM } from '../requestContext.js';
import type { Strategy } from './types.js';

/**
 * AddressGroups are computed by the control plane's address-group controller (in process, as
 * `system:skiff`) and enforced by every node: nobody else may create or change one, not even a
 * cluster admin (a hand-written group would open or close traffic behind its policy's back).
 * Deleting one is harmless: the controller writes it again.
 */
export const addressGroupStrategy: Strategy = {
  admit(obj, _current, req) {
    if (req.user === SYSTEM.user) return;
    const { resource, group } = ADDRESS_GROUP_API;
    const name = obj.metadata.name ?? '';
    throw new ApiError(403, 'Forbidden', `${resource}.${group} ${JSON.stringify(name)} is forbidden: AddressGroups are written only by Skiff's network policy controller (they follow the NetworkPolicy of the same name)`, { name, group, kind: resource });
  },
};
