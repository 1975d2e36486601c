import { Box, Text } from 'ink';
import { NodeLine } from './NodeLine.tsx';
import type { ClusterSnapshot } from './snapshot.ts';
import type { Selection } from './controller.ts';

/** Nodes grouped by region and DC; DCs side by side when the terminal is wide enough. */
export function ClusterView({ snap, selection, width }: { snap: ClusterSnapshot; selection: Selection; width: number }) {
  const dcs = snap.regions.flatMap((r) => r.dcs.map((dc) => ({ region: r.name, dc })));
  // A DC column needs ~56 columns to show a node line in full.
  const perRow = Math.max(1, Math.min(dcs.length, Math.floor(width / 56)));
  const colWidth = Math.floor(width / perRow);
  const rows: (typeof dcs)[] = [];
  for (let i = 0; i < dcs.length; i += perRow) rows.push(dcs.slice(i, i + perRow));
  return (
    <Box flexDirection="column">
      {rows.map((row, i) => (
        <Box key={i} flexDirection="row">
          {row.map(({ region, dc }) => {
            const upCount = dc.nodes.filter((n) => n.up).length;
            const chosen = dc.name === selection.dc;
            return (
              <Box key={dc.name} flexDirection="column" width={colWidth}>
                <Text bold color={chosen ? 'cyan' : 'blue'} wrap="truncate">
                  {`${region} / ${dc.name}`} <Text dimColor>{`(${upCount}/${dc.nodes.length} up)`}</Text>
                </Text>
                {dc.nodes.map((n) => (
                  <NodeLine key={n.id} node={n} selected={n.id === selection.node} width={colWidth - 1} />
                ))}
              </Box>
            );
          })}
        </Box>
      ))}
      {snap.cuts.length > 0 ? (
        <Text color="red" wrap="truncate">
          {'cut: ' + snap.cuts.map((c) => `${c.from}${c.from === c.to ? ' (inside)' : ` -/-> ${c.to}`} ${c.cut}/${c.of}`).join(', ')}
        </Text>
      ) : (
        <Text dimColor>network: no partitions</Text>
      )}
    </Box>
  );
}
