/** kubelife's library entry point. */
export { Cluster, defaultNodes, type ClusterOptions, type NodeOptions, type BehaviourRule } from './sim/cluster.ts';
export { Simulation, ADMIN_TOKEN, SimulationError, type SimulationOptions } from './sim/simulation.ts';
export type { TraceEvent } from './sim/trace.ts';
export { loadScenario, loadScenarioText, parseManifests, InputError } from './scenario/load.ts';
export { runScenario, clusterFor, type RunResult, type ExpectationResult } from './scenario/run.ts';
