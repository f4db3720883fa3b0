/** Agreement with scipy / scikit-image (golden.json, made by testdata/make_golden.py) and metric properties. */
import { assert, assertAlmostEquals } from "../testing/asserts.ts";
import { loadLapack } from "../compute/lapack.ts";
import { fitGaussian, frechetDistance } from "./frechet.ts";
import { jsLinAlg } from "./linalg.ts";
import { inceptionScore } from "./inception_score.ts";
import { psnrPerSample } from "./psnr.ts";
import { ssimSample } from "./ssim.ts";
import { features, imagePair } from "./testdata/inputs.ts";

const golden = JSON.parse(await Deno.readTextFile(new URL("./testdata/golden.json", import.meta.url)));

Deno.test("SSIM agrees with skimage.metrics.structural_similarity to 1e-4", async (t) => {
  for (const g of golden.ssim) {
    await t.step(`${g.kind} ${g.h}x${g.w}x${g.c}`, () => {
      const [a, b] = imagePair(g.kind, g.h, g.w, g.c, g.seed);
      const got = ssimSample(a, b, { t: 1, h: g.h, w: g.w, c: g.c });
      assertAlmostEquals(got, g.ssim, 1e-4, `ssim ${got} vs skimage ${g.ssim}`);
    });
  }
});

Deno.test("SSIM properties: identical images give 1; videos average frames", () => {
  const [a, b] = imagePair("gradient", 16, 16, 1, 9);
  assertAlmostEquals(ssimSample(a, a, { t: 1, h: 16, w: 16, c: 1 }), 1, 1e-12);
  const clip = new Float64Array([...a, ...a]), clip2 = new Float64Array([...a, ...b]);
  const one = ssimSample(a, b, { t: 1, h: 16, w: 16, c: 1 });
  assertAlmostEquals(ssimSample(clip, clip2, { t: 2, h: 16, w: 16, c: 1 }), (1 + one) / 2, 1e-12);
});

Deno.test("PSNR agrees with 10 log10(1 / mean squared error) from numpy", () => {
  for (const g of golden.psnr) {
    const [a, b] = imagePair(g.kind, g.h, g.w, g.c, g.seed);
    const [got] = psnrPerSample(Float32Array.from(a), Float32Array.from(b), a.length);
    assertAlmostEquals(got, g.psnr, 1e-4);
  }
});

Deno.test("Frechet distance agrees with pytorch-fid's scipy.linalg.sqrtm recipe to 1e-6 relative", async (t) => {
  const lapack = loadLapack();
  for (const g of golden.fd) {
    await t.step(`${g.kind} ${g.rows}x${g.dim}`, () => {
      const x = features(g.kind, g.rows, g.dim, g.seeds[0]);
      const y = features(g.kind, g.rows, g.dim, g.seeds[1]).map((v) => v * g.scale + g.shift);
      for (const eig of [jsLinAlg, ...(lapack ? [lapack] : [])]) {
        const g1 = fitGaussian(x, g.rows, g.dim, eig), g2 = fitGaussian(y, g.rows, g.dim, eig);
        const d = frechetDistance(g1, g2, eig);
        assert(Math.abs(d - g.fd) / Math.abs(g.fd) < 1e-6, `fd ${d} vs scipy ${g.fd}`);
        assertAlmostEquals(frechetDistance(g2, g1, eig), d, 1e-9 * Math.abs(d)); // symmetric
        assertAlmostEquals(frechetDistance(g1, g1, eig), 0, 1e-9); // zero for identical sets
      }
    });
  }
});

Deno.test("Frechet distance is finite and non-negative at 1024-d with rank-deficient covariances", () => {
  const lapack = loadLapack();
  if (!lapack && Deno.env.get("CI")) throw new Error("LAPACK (OpenBLAS) missing on CI");
  if (!lapack) return;
  // Fewer samples than dims: singular covariances, as small FID sets on Inception's 2048-d features have. At half
  // that width the singular route (an eigendecomposition with vectors, three products) costs an eighth.
  const dim = 1024, rows = 300;
  const x = features("uniform", rows, dim, 21), y = features("uniform", rows, dim, 22).map((v) => v + 0.01);
  const gx = fitGaussian(x, rows, dim, lapack);
  const d = frechetDistance(gx, fitGaussian(y, rows, dim, lapack), lapack);
  assert(Number.isFinite(d) && d > 0, `fd ${d}`);
  let trace = 0;
  for (let i = 0; i < dim; i++) trace += gx.cov[i * dim + i];
  const self = frechetDistance(gx, gx, lapack);
  assert(Math.abs(self) < 1e-6 * trace, `FD(x, x) = ${self} for trace ${trace}`);
});

Deno.test("Cholesky factors rebuild A, refuse singular matrices, and both trace routes give one distance", () => {
  const lapack = loadLapack();
  if (!lapack && Deno.env.get("CI")) throw new Error("LAPACK (OpenBLAS) missing on CI");
  const dim = 24, rows = 90;
  const gx = fitGaussian(features("correlated", rows, dim, 5), rows, dim);
  const gy = fitGaussian(features("uniform", rows, dim, 6), rows, dim);
  for (const la of [jsLinAlg, ...(lapack ? [lapack] : [])]) {
    const L = la.cholesky!(gx.cov, dim)!;
    let worst = 0;
    for (let i = 0; i < dim; i++) {
      for (let j = 0; j < dim; j++) {
        let s = 0;
        for (let k = 0; k < dim; k++) s += L[i * dim + k] * L[j * dim + k];
        worst = Math.max(worst, Math.abs(s - gx.cov[i * dim + j]));
        if (j > i) assert(L[i * dim + j] === 0, "L is lower triangular");
      }
    }
    assert(worst < 1e-12, `L L^T - A = ${worst}`);
    const singular = new Float64Array(dim * dim); // rank 1
    for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) singular[i * dim + j] = (i + 1) * (j + 1);
    assert(la.cholesky!(singular, dim) === undefined, "a rank-1 matrix has no Cholesky factor");
    const viaCholesky = frechetDistance(gx, gy, la);
    const viaEigen = frechetDistance(gx, gy, { ...la, cholesky: undefined });
    assertAlmostEquals(viaCholesky, viaEigen, 1e-9 * viaEigen);
  }
});

Deno.test("Inception Score: k for confident uniform classes, 1 for constant predictions", () => {
  const k = 5, n = 100;
  const confident = new Float64Array(n * k);
  for (let i = 0; i < n; i++) confident[i * k + (i % k)] = 1;
  assertAlmostEquals(inceptionScore(confident, n, k).mean, k, 1e-9);
  const flat = new Float64Array(n * k).fill(1 / k);
  assertAlmostEquals(inceptionScore(flat, n, k).mean, 1, 1e-12);
});
