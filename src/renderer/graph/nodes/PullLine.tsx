import { memo } from 'react';
import { useApp } from '../../store/context.js';
import { podPullLine } from '../pullProgress.js';

/** A pod chip's image pull in progress (from its status and the kubelet's events); nothing otherwise. */
export const PullLine = memo(function PullLine({ namespace, name }: { namespace: string; name: string }) {
  const key = `${namespace}/${name}`;
  const text = useApp((s) => podPullLine(s.cluster.pods[key], s.cluster.events, key));
  if (!text) return null;
  return (
    <div className="pull-line" data-testid={`pod-pull-${namespace}-${name}`} title={text}>
      {text}
    </div>
  );
});
