/**
 * How much of one analysis' false-abort budget a look may spend. The budget is spent
 * along α·t^ρ of the information time t (elapsed / analysis length; Kim and DeMets'
 * power family), ρ = 3: early looks get a small share, since a clearly broken build is
 * stopped by the catastrophe checks anyway, and the last looks, which hold the most
 * evidence, the most. Each look tests at its increment only, so the shares of all looks
 * sum to α whatever the correlation between looks (Bonferroni over the looks): the
 * overall false-abort rate is at most α, and in practice well below it.
 */
const RHO = 3;

export function spent(alpha: number, t: number): number {
  const x = Math.min(Math.max(t, 0), 1);
  return alpha * x ** RHO;
}

/** The share of `alpha` for the look at `elapsed` whose previous look was at `previous` (seconds). */
export function lookAlpha(
  alpha: number,
  look: { elapsedSeconds: number; previousElapsedSeconds: number },
  analysisSeconds: number,
): number {
  const t = look.elapsedSeconds / analysisSeconds;
  const before = Math.min(look.previousElapsedSeconds, look.elapsedSeconds) / analysisSeconds;
  return Math.max(0, spent(alpha, t) - spent(alpha, before));
}
