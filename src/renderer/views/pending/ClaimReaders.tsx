import { useEffect, useMemo } from 'react';
import { claimReadOf, type ClaimRead } from '../../graph/pendingReasons.js';
import { useApp } from '../../store/context.js';
import { refTo } from '../resources/related.js';
import { useObject } from '../resources/useObject.js';

type OnRead = (name: string, read: ClaimRead | undefined) => void;

/**
 * Reads one claim as the details panel reads any object the app does not watch (useObject: read
 * again every few seconds while shown) and hands what it found up. A component per claim because
 * a hook cannot run once per claim in a loop.
 */
function ClaimReader({ namespace, name, onRead }: { namespace: string; name: string; onRead: OnRead }) {
  const kinds = useApp((s) => s.kinds);
  const ref = useMemo(() => refTo(kinds, 'PersistentVolumeClaim', name, namespace, 'v1'), [kinds, name, namespace]);
  const { object, gone, error } = useObject(ref);
  const read = useMemo(() => claimReadOf({ object, gone, error }), [object, gone, error]);
  // Each poll answers a new object: report it as is (an equal read leaves the panel alone), and
  // forget the claim only when its reader goes.
  useEffect(() => onRead(name, read), [name, read, onRead]);
  useEffect(() => () => onRead(name, undefined), [name, onRead]);
  return null;
}

/** Reads each of `names` (claims in `namespace`); renders nothing. */
export function ClaimReaders({ namespace, names, onRead }: { namespace: string; names: readonly string[]; onRead: OnRead }) {
  return (
    <>
      {names.map((n) => (
        <ClaimReader key={`${namespace}/${n}`} namespace={namespace} name={n} onRead={onRead} />
      ))}
    </>
  );
}
