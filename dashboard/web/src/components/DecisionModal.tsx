// The full record of one decision: inputs, rule, guardrails, forecast, what the HPA would have
// done, the outcome and its verification. From the decision log when it is open here.
import { useEffect, useState } from 'preact/hooks';
import { call } from '../api.ts';
import { decisions, decisionsAvailable } from '../store.ts';
import type { DecisionView } from '../types.ts';

export function DecisionModal({ id, onClose }: { id: string; onClose: () => void }) {
  const local = decisions.value.find((d) => d.decision.id === id);
  const [view, setView] = useState<DecisionView | undefined>(local);
  const [error, setError] = useState('');
  useEffect(() => {
    if (!decisionsAvailable.value) return;
    call<DecisionView>('GET', `/decisions/${encodeURIComponent(id)}`).then(setView, (e: Error) =>
      setError(e.message),
    );
  }, [id]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);
  const d = view?.decision;
  return (
    <div class="modal-backdrop">
      <div id="decision-modal" class="modal" role="dialog" aria-label="decision record">
        <button type="button" class="close" onClick={onClose}>
          ×
        </button>
        {!d ? (
          <p>{error || 'Loading…'}</p>
        ) : (
          <>
            <h2>
              {d.action} · {d.outcome}
            </h2>
            <dl>
              <dt>id</dt>
              <dd>{d.id}</dd>
              <dt>time</dt>
              <dd>{d.time}</dd>
              <dt>policy</dt>
              <dd>{`${d.policy.namespace}/${d.policy.name} (${d.mode})`}</dd>
              <dt>target</dt>
              <dd>{`${d.target.namespace}/${d.target.name}${d.pod ? ` pod ${d.pod}` : ''}`}</dd>
              <dt>rule</dt>
              <dd>{d.rule}</dd>
              <dt>reason</dt>
              <dd>{d.reason}</dd>
              <dt>message</dt>
              <dd>{d.message}</dd>
              {d.blockedBy && (
                <>
                  <dt>blocked by</dt>
                  <dd>{d.blockedBy}</dd>
                </>
              )}
              {d.error && (
                <>
                  <dt>error</dt>
                  <dd>{d.error}</dd>
                </>
              )}
              {view?.verification && (
                <>
                  <dt>verification</dt>
                  <dd>{`${view.verification.verdict}${view.verification.message ? `: ${view.verification.message}` : ''}`}</dd>
                </>
              )}
            </dl>
            <h3>Full record</h3>
            <pre>{JSON.stringify(view, null, 2)}</pre>
          </>
        )}
      </div>
    </div>
  );
}
