// fast-check seeds. In CI every property runs with one fixed seed, so a submission's verdict
// is reproducible (as every simulated run is); elsewhere each `npm test` explores new seeds,
// and a failure prints the seed to pin with FC_SEED=<seed> (properties that pass their own
// `seed` to fc.assert keep it).
import fc from 'fast-check';

const pinned = process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : process.env.CI ? 20_261_123 : undefined;
if (pinned !== undefined && Number.isFinite(pinned)) fc.configureGlobal({ seed: pinned });
