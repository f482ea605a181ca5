/** The table formatter moved to src/cli/table.ts (shared with `kubelife check`); kept here for the bench imports. */
export { formatTable } from '../cli/table.ts';
