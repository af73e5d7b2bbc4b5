import fc from 'fast-check';

/**
 * Property tests draw from one fixed seed, so `npm test` and CI give the same answer on every run: a
 * seed the suite has never met cannot fail a merge. Exploring is a separate, deliberate run:
 * `TWS_FC_SEED=random npx vitest run test/plan` (or a number to replay one) — see CONTRIBUTING.md. A
 * counterexample found that way becomes an example test beside its property.
 */
const chosen = process.env['TWS_FC_SEED'];
if (chosen !== 'random') {
  const seed = chosen === undefined || chosen === '' ? 20_261_128 : Number(chosen);
  if (!Number.isSafeInteger(seed))
    throw new Error(`TWS_FC_SEED must be an integer or "random", not ${chosen}`);
  fc.configureGlobal({ seed });
}
