import { useSignal } from '@preact/signals';
import { useEffect, useRef } from 'preact/hooks';
import { FeedConnection } from '../feed.ts';
import { Charts } from './Charts.tsx';
import { DecisionModal } from './DecisionModal.tsx';
import { Experiments } from './Experiments.tsx';
import { Header } from './Header.tsx';
import { Policies } from './Policies.tsx';
import { Timeline } from './Timeline.tsx';
import { Topology } from './Topology.tsx';

export function App() {
  const feed = useRef<FeedConnection | null>(null);
  const open = useSignal<string | undefined>(undefined);
  useEffect(() => {
    feed.current = new FeedConnection();
    return () => feed.current?.close();
  }, []);
  return (
    <>
      <Header onTokenChange={() => feed.current?.reconnect()} />
      <main>
        <div class="row">
          <Topology />
          <Timeline
            onOpen={(id) => {
              open.value = id;
            }}
          />
        </div>
        <Charts />
        <Experiments />
        <Policies />
      </main>
      {open.value && (
        <DecisionModal
          id={open.value}
          onClose={() => {
            open.value = undefined;
          }}
        />
      )}
    </>
  );
}
