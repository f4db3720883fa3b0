/** Seeded parameter initialisation, so the same seed always builds the same model. */
import * as tf from "@tensorflow/tfjs";

let models = 0;

/**
 * A seeded stream of numbers (mulberry32) for initialisers. Each instance also gives its model a
 * unique variable-name prefix, since tfjs requires globally unique variable names.
 */
export class InitRng {
  #a: number;
  readonly prefix = `m${models++}/`;
  constructor(seed: number) {
    this.#a = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.#a = (this.#a + 0x6d2b79f5) >>> 0;
    let t = this.#a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** A fresh integer seed for tfjs's own seeded ops. */
  seed(): number {
    return Math.floor(this.next() * 2 ** 31);
  }
}

/** Xavier/Glorot-uniform weights [fanIn, fanOut] as a trainable variable. */
export function xavier(rng: InitRng, fanIn: number, fanOut: number, name: string): tf.Variable {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const values = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < values.length; i++) values[i] = (rng.next() * 2 - 1) * limit;
  return tf.variable(tf.tensor2d(values, [fanIn, fanOut]), true, rng.prefix + name);
}

/** A constant-filled trainable vector (biases 0, norm gains 1). */
export function filled(rng: InitRng, n: number, value: number, name: string): tf.Variable {
  return tf.variable(tf.fill([n], value), true, rng.prefix + name);
}
