// The fleet as a call graph: one column per call depth, nodes coloured by SLO state.
import { fleet, selectedService } from '../store.ts';
import type { FleetService } from '../types.ts';

const W = 150;
const H = 58;
const GAP_X = 70;
const GAP_Y = 18;

function layout(services: FleetService[]) {
  const byKey = new Map(services.map((s) => [`${s.namespace}/${s.name}`, s]));
  const called = new Set(services.flatMap((s) => s.calls.map((c) => `${s.namespace}/${c}`)));
  const depth = new Map<string, number>();
  const visit = (key: string, d: number, seen: Set<string>) => {
    if (seen.has(key) || !byKey.has(key)) return;
    if ((depth.get(key) ?? -1) >= d) return;
    depth.set(key, d);
    const s = byKey.get(key)!;
    for (const c of s.calls) visit(`${s.namespace}/${c}`, d + 1, new Set(seen).add(key));
  };
  for (const key of byKey.keys()) if (!called.has(key)) visit(key, 0, new Set());
  for (const key of byKey.keys()) if (!depth.has(key)) depth.set(key, 0);
  const columns: string[][] = [];
  for (const [key, d] of [...depth].sort((a, b) => a[0].localeCompare(b[0]))) (columns[d] ??= []).push(key);
  const pos = new Map<string, { x: number; y: number }>();
  for (const [ci, col] of columns.entries())
    for (const [ri, key] of col.entries())
      pos.set(key, { x: 10 + ci * (W + GAP_X), y: 10 + ri * (H + GAP_Y) });
  const width = 20 + columns.length * (W + GAP_X) - GAP_X;
  const height = 20 + Math.max(1, ...columns.map((c) => c.length)) * (H + GAP_Y) - GAP_Y;
  return { pos, byKey, width, height };
}

export function Topology() {
  const services = fleet.value.services;
  if (services.length === 0)
    return (
      <section class="panel topology">
        <h2>Fleet</h2>
        <p class="muted">No workloads yet.</p>
      </section>
    );
  const { pos, byKey, width, height } = layout(services);
  return (
    <section class="panel topology">
      <h2>Fleet</h2>
      <svg
        id="topology"
        viewBox={`0 0 ${width} ${height}`}
        width={width}
        height={height}
        role="img"
        aria-label="service call graph"
      >
        <defs>
          <marker
            id="arrow"
            viewBox="0 0 10 10"
            refX="10"
            refY="5"
            markerWidth="6"
            markerHeight="6"
            orient="auto-start-reverse"
          >
            <path d="M 0 0 L 10 5 L 0 10 z" class="arrowhead" />
          </marker>
        </defs>
        {services.flatMap((s) =>
          s.calls.flatMap((c) => {
            const from = pos.get(`${s.namespace}/${s.name}`);
            const to = pos.get(`${s.namespace}/${c}`);
            if (!from || !to) return [];
            return [
              <line
                key={`${s.namespace}/${s.name}->${c}`}
                class="edge"
                x1={from.x + W}
                y1={from.y + H / 2}
                x2={to.x}
                y2={to.y + H / 2}
                marker-end="url(#arrow)"
              />,
            ];
          }),
        )}
        {[...byKey].map(([key, s]) => {
          const p = pos.get(key)!;
          const selected = selectedService.value === key;
          return (
            // biome-ignore lint/a11y/useSemanticElements: an SVG group cannot be a <button>
            <g
              key={key}
              class={`node slo-${s.sloState}${selected ? ' selected' : ''}`}
              data-service={key}
              data-slo={s.sloState}
              transform={`translate(${p.x},${p.y})`}
              role="button"
              tabIndex={0}
              onClick={() => {
                selectedService.value = key;
              }}
              onKeyDown={(e) => {
                if (e.key === 'Enter') selectedService.value = key;
              }}
            >
              <title>{`${key}: SLO ${s.sloState}, ${s.readyReplicas}/${s.replicas} ready${s.policy ? `, policy ${s.policy.name} (${s.policy.mode})` : ''}`}</title>
              <rect width={W} height={H} rx="8" />
              <text x="10" y="20" class="name">
                {s.name}
              </text>
              <text x="10" y="40" class="replicas">{`${s.readyReplicas}/${s.replicas} ready`}</text>
              {s.quarantinedPods.length > 0 && (
                <text
                  x={W - 10}
                  y="40"
                  class="quarantine"
                  text-anchor="end"
                >{`⊘ ${s.quarantinedPods.length}`}</text>
              )}
              {s.chaos.length > 0 && (
                <g class="chaos-badge">
                  <rect x={W - 62} y="-9" width="64" height="18" rx="9" />
                  <text x={W - 30} y="4" text-anchor="middle">{`⚡ ${s.chaos[0].fault}`}</text>
                </g>
              )}
            </g>
          );
        })}
      </svg>
      <p class="legend">
        <span class="dot slo-Ok" /> SLO met <span class="dot slo-AtRisk" /> at risk{' '}
        <span class="dot slo-Breached" /> breached <span class="dot slo-Unknown" /> no policy / unknown · ⊘
        quarantined pods · ⚡ chaos
      </p>
    </section>
  );
}
