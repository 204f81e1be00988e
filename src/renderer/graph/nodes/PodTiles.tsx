import { memo, type MouseEvent } from 'react';
import { podCell, POD_SIZE } from '../layout.js';
import type { Tile } from '../types.js';

/**
 * A group's pods in compact mode: one SVG rectangle per pod, in the cell its pod node would take,
 * so zooming across the threshold swaps drawings without moving anything.
 */
function PodTilesView({ tiles, selectedKey, onPick }: { tiles: readonly Tile[]; selectedKey: string | undefined; onPick(key: string): void }) {
  const onClick = (e: MouseEvent<SVGSVGElement>) => {
    const key = (e.target as Element).getAttribute('data-key');
    if (!key) return;
    e.stopPropagation();
    onPick(key);
  };
  return (
    <svg className="pod-tiles" onClick={onClick}>
      {tiles.map((t, i) => (
        <TileRect key={t.key} tile={t} index={i} count={tiles.length} selected={t.key === selectedKey} />
      ))}
    </svg>
  );
}

/** Memo'd per tile: a status change redraws one rectangle, not the group's thousand. */
const TileRect = memo(function TileRect({ tile, index, count, selected }: { tile: Tile; index: number; count: number; selected: boolean }) {
  const { x, y } = podCell(index, count);
  return (
    <rect
      x={x}
      y={y}
      width={POD_SIZE.width}
      height={POD_SIZE.height}
      className={`tile tone-${tile.tone}${selected ? ' is-selected' : ''}`}
      data-key={tile.key}
      data-testid={`pod-${tile.namespace}-${tile.name}`}
      data-phase={tile.phase}
      data-status={tile.status}
    />
  );
});

export const PodTiles = memo(PodTilesView);
