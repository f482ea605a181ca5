/**
 * etcd's lifecycle as a statechart. The MVCC store (mvcc.ts) answers only while `serving`;
 * compaction is a visible step, and a fault can make the member unavailable.
 */
import { setup } from 'xstate';

export const etcdMachine = setup({
  types: {
    events: {} as { type: 'compaction.started'; revision: number } | { type: 'compaction.finished' } | { type: 'fault.crashed' } | { type: 'fault.recovered' },
  },
}).createMachine({
  id: 'etcd',
  initial: 'serving',
  states: {
    serving: { on: { 'compaction.started': 'compacting', 'fault.crashed': 'unavailable' } },
    compacting: { on: { 'compaction.finished': 'serving', 'fault.crashed': 'unavailable' } },
    unavailable: { on: { 'fault.recovered': 'serving' } },
  },
});
