// The live timeline: faults, decisions (skipped and blocked ones with their reasons), recoveries,
// verifications, verdicts and control actions, newest first, filterable; a decision opens its record.
import { useSignal } from '@preact/signals';
import { type TimelineKind, timeline } from '../store.ts';

const KINDS: [TimelineKind, string][] = [
  ['fault', 'faults'],
  ['recovery', 'recoveries'],
  ['decision', 'decisions'],
  ['verification', 'verifications'],
  ['verdict', 'verdicts'],
  ['control', 'controls'],
  ['halt', 'halts'],
];

export function Timeline({ onOpen }: { onOpen: (decisionId: string) => void }) {
  const hidden = useSignal<Set<TimelineKind>>(new Set());
  const onlyBlocked = useSignal(false);
  const text = useSignal('');
  const needle = text.value.toLowerCase();
  const entries = timeline.value
    .filter((e) => !hidden.value.has(e.kind))
    .filter((e) => !onlyBlocked.value || e.tone === 'warn' || e.tone === 'bad')
    .filter((e) => !needle || `${e.title} ${e.detail ?? ''}`.toLowerCase().includes(needle))
    .slice(0, 300);
  return (
    <section class="panel timeline">
      <h2>Timeline</h2>
      <div class="filters">
        {KINDS.map(([kind, label]) => (
          <label key={kind}>
            <input
              type="checkbox"
              checked={!hidden.value.has(kind)}
              onChange={() => {
                const next = new Set(hidden.value);
                if (next.has(kind)) next.delete(kind);
                else next.add(kind);
                hidden.value = next;
              }}
            />
            {label}
          </label>
        ))}
        <label>
          <input
            type="checkbox"
            checked={onlyBlocked.value}
            onChange={() => {
              onlyBlocked.value = !onlyBlocked.value;
            }}
          />
          problems only
        </label>
        <input
          id="timeline-search"
          type="search"
          placeholder="filter…"
          value={text.value}
          onInput={(e) => {
            text.value = (e.target as HTMLInputElement).value;
          }}
        />
      </div>
      <ol id="timeline">
        {entries.map((e) => (
          <li
            key={e.key}
            class={`entry ${e.kind} tone-${e.tone}${e.decisionId ? ' clickable' : ''}`}
            data-key={e.key}
            data-kind={e.kind}
            {...(e.decisionId
              ? {
                  role: 'button',
                  tabIndex: 0,
                  onClick: () => onOpen(e.decisionId!),
                  onKeyDown: (k: KeyboardEvent) => k.key === 'Enter' && onOpen(e.decisionId!),
                }
              : {})}
          >
            <time>{new Date(e.time).toLocaleTimeString()}</time>
            <span class="kind">{e.kind}</span>
            <span class="title">{e.title}</span>
            {e.detail && <span class="detail">{e.detail}</span>}
          </li>
        ))}
        {entries.length === 0 && <li class="muted">Nothing yet.</li>}
      </ol>
    </section>
  );
}
