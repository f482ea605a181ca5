/**
 * kube-apiserver's own lifecycle as a statechart. Requests are handled by the pure pipeline in
 * core.ts only while the server is `serving`; a fault can take it `unavailable` (503s) and back.
 */
import { setup } from 'xstate';

export const apiserverMachine = setup({
  types: {
    events: {} as { type: 'etcd.ready' } | { type: 'fault.crashed' } | { type: 'fault.recovered' },
  },
}).createMachine({
  id: 'kube-apiserver',
  initial: 'starting',
  states: {
    starting: { on: { 'etcd.ready': 'serving' } },
    serving: { on: { 'fault.crashed': 'unavailable' } },
    unavailable: { on: { 'fault.recovered': 'serving' } },
  },
});
