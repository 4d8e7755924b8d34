// Random draws for the canary simulator, all from one seeded uniform source so a
// run is reproduced exactly by its seed.

export function draws(uniform) {
  let spare;
  const normal = () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    const a = 2 * Math.PI * uniform();
    spare = r * Math.sin(a);
    return r * Math.cos(a);
  };
  const exponential = (rate) => -Math.log(1 - uniform()) / rate;
  // Marsaglia and Tsang; shape < 1 by the boost u^(1/shape).
  const gamma = (shape) => {
    if (shape < 1) return gamma(shape + 1) * uniform() ** (1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x;
      let v;
      do {
        x = normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = uniform();
      if (u < 1 - 0.0331 * x ** 4) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  };
  const poisson = (mean) => {
    if (mean <= 0) return 0;
    if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal()));
    const limit = Math.exp(-mean);
    let k = 0;
    let p = uniform();
    while (p > limit) {
      k += 1;
      p *= uniform();
    }
    return k;
  };
  return {
    uniform,
    normal,
    exponential,
    /** Negative binomial as a gamma–Poisson mixture: mean `mean`, variance mean + mean²/size. */
    negativeBinomial: (mean, size) => poisson((gamma(size) * mean) / size),
    logNormal: (median, sigma) => median * Math.exp(sigma * normal()),
    pick: (n) => Math.min(n - 1, Math.floor(uniform() * n)),
  };
}
