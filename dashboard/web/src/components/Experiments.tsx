import { useSignal } from '@preact/signals';
import { call } from '../api.ts';
import { access, experiments } from '../store.ts';

const TERMINAL = new Set(['Completed', 'Aborted', 'Failed']);

export function Experiments() {
  const error = useSignal('');
  const act = async (path: string, body: unknown) => {
    error.value = '';
    try {
      await call('POST', path, body);
    } catch (e) {
      error.value = (e as Error).message;
    }
  };
  const list = [...experiments.value.values()];
  return (
    <section class="panel experiments">
      <h2>Experiments</h2>
      {error.value && <p class="error">{error.value}</p>}
      <table id="experiments">
        <thead>
          <tr>
            <th>experiment</th>
            <th>fault</th>
            <th>phase</th>
            <th>targets</th>
            <th>detect</th>
            <th>heal</th>
            <th>verdict</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {list.map((e) => {
            const phase = e.status?.phase ?? 'Pending';
            const m = e.status?.measurements ?? {};
            const aborting = e.annotations['homeostat.dev/abort'] === 'true';
            const path = `/experiments/${e.namespace}/${e.name}`;
            return (
              <tr
                key={`${e.namespace}/${e.name}`}
                data-experiment={`${e.namespace}/${e.name}`}
                data-phase={phase}
              >
                <td>
                  {e.namespace}/{e.name}
                  {e.spec?.schedule?.cron ? <span class="muted"> · {e.spec.schedule.cron}</span> : null}
                </td>
                <td>{e.spec?.fault?.kind}</td>
                <td class={`phase ${phase}`}>
                  {aborting && !TERMINAL.has(phase) ? `${phase} (aborting)` : phase}
                </td>
                <td title={(e.status?.targets ?? []).map((t: { pod: string }) => t.pod).join(', ')}>
                  {(e.status?.targets ?? []).length}
                </td>
                <td>{m.timeToDetectSeconds !== undefined ? `${m.timeToDetectSeconds.toFixed(1)} s` : '–'}</td>
                <td>{m.timeToHealSeconds !== undefined ? `${m.timeToHealSeconds.toFixed(1)} s` : '–'}</td>
                <td>{e.status?.verdict ?? '–'}</td>
                <td>
                  {access.value === 'control' && !TERMINAL.has(phase) && !aborting && (
                    <button
                      type="button"
                      class="danger"
                      onClick={() =>
                        act(`${path}/abort`, { reason: 'aborted from the dashboard', by: 'on-call' })
                      }
                    >
                      Abort
                    </button>
                  )}
                  {access.value === 'control' && (
                    <button type="button" onClick={() => act(`${path}/rerun`, { by: 'on-call' })}>
                      Run again
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
          {list.length === 0 && (
            <tr>
              <td colSpan={8} class="muted">
                No experiments.
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}
