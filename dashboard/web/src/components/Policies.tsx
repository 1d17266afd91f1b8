import { useSignal } from '@preact/signals';
import { call } from '../api.ts';
import { access, policies } from '../store.ts';

export function Policies() {
  const error = useSignal('');
  const act = async (path: string, body: unknown) => {
    error.value = '';
    try {
      await call('POST', path, body);
    } catch (e) {
      error.value = (e as Error).message;
    }
  };
  const list = [...policies.value.values()];
  return (
    <section class="panel policies">
      <h2>Policies</h2>
      {error.value && <p class="error">{error.value}</p>}
      <table id="policies">
        <thead>
          <tr>
            <th>policy</th>
            <th>target</th>
            <th>mode</th>
            <th>replicas</th>
            <th>forecast (model · confidence)</th>
            <th>risk</th>
            <th>last decisions</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.map((p) => {
            const s = p.status ?? {};
            const pausedByUs = p.annotations['homeostat.dev/paused-from-mode'] !== undefined;
            const path = `/policies/${p.namespace}/${p.name}`;
            return (
              <tr key={`${p.namespace}/${p.name}`} data-policy={`${p.namespace}/${p.name}`}>
                <td>
                  {p.namespace}/{p.name}
                </td>
                <td>{p.spec?.targetRef?.name}</td>
                <td>
                  {p.spec?.mode ?? 'Enforce'}
                  {pausedByUs ? ' (paused)' : s.paused ? ' (frozen)' : ''}
                </td>
                <td>{s.replicas !== undefined ? `${s.readyReplicas ?? '?'}/${s.replicas}` : '–'}</td>
                <td>
                  {s.forecast
                    ? `${s.forecast.modelVersion} · ${(s.forecast.confidence * 100).toFixed(0)}%`
                    : '–'}
                </td>
                <td>{s.risk ? `${s.risk.level} (${(s.risk.score * 100).toFixed(0)}%)` : '–'}</td>
                <td>
                  {(s.lastDecisions ?? [])
                    .slice(0, 3)
                    .map((d: { action: string; outcome: string; reason: string; time: string }) => (
                      <div key={d.time + d.action} class={`mini ${d.outcome}`} title={d.time}>
                        {d.action} {d.outcome}: {d.reason}
                      </div>
                    ))}
                </td>
                <td>
                  {access.value === 'control' &&
                    (pausedByUs ? (
                      <button type="button" onClick={() => act(`${path}/resume`, { by: 'on-call' })}>
                        Resume
                      </button>
                    ) : (
                      <button
                        type="button"
                        onClick={() =>
                          act(`${path}/pause`, { reason: 'paused from the dashboard', by: 'on-call' })
                        }
                      >
                        Pause
                      </button>
                    ))}
                </td>
              </tr>
            );
          })}
          {list.length === 0 && (
            <tr>
              <td colSpan={8} class="muted">
                No policies.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}
