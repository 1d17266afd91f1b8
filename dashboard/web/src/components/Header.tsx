import { useSignal } from '@preact/signals';
import { call } from '../api.ts';
import { setToken, token } from '../auth.ts';
import { access, connection, eventsReceived, halt, lastSeq, snapshotsReceived } from '../store.ts';

const LABEL = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…', stale: 'stale' };

export function Header({ onTokenChange }: { onTokenChange: () => void }) {
  const confirming = useSignal(false);
  const reason = useSignal('');
  const tokenInput = useSignal('');
  const error = useSignal('');
  const busy = useSignal(false);
  const h = halt.value;

  const submit = async (e: Event) => {
    e.preventDefault();
    error.value = '';
    if (!token() && tokenInput.value) {
      setToken(tokenInput.value.trim());
      onTokenChange();
    }
    busy.value = true;
    try {
      if (h.halted)
        await call(
          'POST',
          '/resume',
          reason.value ? { reason: reason.value, by: 'on-call' } : { by: 'on-call' },
        );
      else
        await call('POST', '/halt', { reason: reason.value || 'halted from the dashboard', by: 'on-call' });
      confirming.value = false;
      reason.value = '';
    } catch (err) {
      error.value = (err as Error).message;
    } finally {
      busy.value = false;
    }
  };

  return (
    <header class={h.halted ? 'top halted' : 'top'}>
      <h1>Homeostat</h1>
      <span
        id="connection"
        class={`conn ${connection.value}`}
        data-state={connection.value}
        data-seq={lastSeq.value}
        data-snapshots={snapshotsReceived.value}
        data-events={eventsReceived.value}
        title={`last event #${lastSeq.value}`}
      >
        ● {LABEL[connection.value]}
      </span>
      <span class="access">{access.value === 'control' ? 'controls enabled' : 'read-only'}</span>
      {h.halted && (
        <span id="halt-banner" class="halt-banner">
          HALTED{h.by ? ` by ${h.by}` : ''}
          {h.reason ? `: ${h.reason}` : ''}
        </span>
      )}
      <div class="halt-control">
        {!confirming.value ? (
          <button
            id="halt-button"
            type="button"
            class={h.halted ? 'resume' : 'halt'}
            onClick={() => {
              confirming.value = true;
            }}
          >
            {h.halted ? 'Resume' : 'HALT'}
          </button>
        ) : (
          <form id="halt-form" onSubmit={submit}>
            {!token() && (
              <input
                name="token"
                type="password"
                placeholder="control token"
                value={tokenInput.value}
                onInput={(e) => {
                  tokenInput.value = (e.target as HTMLInputElement).value;
                }}
              />
            )}
            <input
              name="reason"
              placeholder={h.halted ? 'why resume (optional)' : 'why halt'}
              value={reason.value}
              onInput={(e) => {
                reason.value = (e.target as HTMLInputElement).value;
              }}
            />
            <button
              id="halt-confirm"
              type="submit"
              class={h.halted ? 'resume' : 'halt'}
              disabled={busy.value}
            >
              {h.halted ? 'Confirm resume' : 'Confirm halt: stop all chaos and healing'}
            </button>
            <button
              type="button"
              onClick={() => {
                confirming.value = false;
              }}
            >
              Cancel
            </button>
            {error.value && <span class="error">{error.value}</span>}
          </form>
        )}
      </div>
    </header>
  );
}
