/**
 * Typed parameter schemas for stage kinds.
 *
 * A stage kind declares each parameter with a type, a default and a one-line doc; pipelines give
 * overrides; {@link resolveParams} checks them (unknown name, wrong type, out of range, bad enum
 * value) and fills in defaults, so a cache key is always computed over the complete parameter set.
 *
 * @module
 */

/** One parameter's declaration. `T` is the TypeScript type a stage's code sees. */
export interface ParamSpec<T> {
  /** Type name, printed in errors and in `show`. */
  readonly type: "int" | "float" | "string" | "bool" | "enum" | "int[]" | "float[]" | "string[]";
  /** Value used when the pipeline does not set one. */
  readonly default: T;
  /** What the parameter means, for `show` and reports. */
  readonly doc: string;
  /** Checks a value that already has the right JSON type; returns an error text or undefined. */
  readonly check: (value: unknown) => string | undefined;
  /**
   * Set by {@link param.added}: the param came to its kind after artifacts existed and its default does
   * what the kind did before, so at the default it stays out of the stage's recorded params (its cache key
   * and manifest) and those artifacts keep their keys. The stage's code still sees it ({@link withDefaults}).
   */
  readonly added?: boolean;
}

/** A stage kind's parameter table: name -> spec. */
export type ParamSchema = Readonly<Record<string, ParamSpec<unknown>>>;

/** The resolved parameter object a schema describes (what `ctx.params` holds). */
export type ParamsOf<S extends ParamSchema> = {
  readonly [K in keyof S]: S[K] extends ParamSpec<infer T> ? T : never;
};

interface RangeOpts {
  min?: number;
  max?: number;
}

function rangeError(v: number, o: RangeOpts): string | undefined {
  if (o.min !== undefined && v < o.min) return `must be >= ${o.min}, got ${v}`;
  if (o.max !== undefined && v > o.max) return `must be <= ${o.max}, got ${v}`;
  return undefined;
}

function intCheck(o: RangeOpts) {
  return (v: unknown) =>
    typeof v !== "number" || !Number.isInteger(v)
      ? `must be an integer, got ${JSON.stringify(v)}`
      : rangeError(v, o);
}

function floatCheck(o: RangeOpts) {
  return (v: unknown) =>
    typeof v !== "number" || !Number.isFinite(v)
      ? `must be a finite number, got ${JSON.stringify(v)}`
      : rangeError(v, o);
}

function listCheck(item: (v: unknown) => string | undefined) {
  return (v: unknown) => {
    if (!Array.isArray(v)) return `must be a list, got ${JSON.stringify(v)}`;
    for (const [i, x] of v.entries()) {
      const e = item(x);
      if (e) return `item ${i} ${e}`;
    }
    return undefined;
  };
}

const strCheck = (v: unknown) =>
  typeof v === "string" ? undefined : `must be a string, got ${JSON.stringify(v)}`;

/** Builders for parameter specs, e.g. `{ steps: param.int(1000, "training steps", { min: 1 }) }`. */
export const param = {
  /** An integer. */
  int: (def: number, doc: string, o: RangeOpts = {}): ParamSpec<number> => ({
    type: "int",
    default: def,
    doc,
    check: intCheck(o),
  }),
  /** A finite floating-point number. */
  float: (def: number, doc: string, o: RangeOpts = {}): ParamSpec<number> => ({
    type: "float",
    default: def,
    doc,
    check: floatCheck(o),
  }),
  /** A free string (paths, names). */
  string: (def: string, doc: string): ParamSpec<string> => ({
    type: "string",
    default: def,
    doc,
    check: strCheck,
  }),
  /** A boolean flag. */
  bool: (def: boolean, doc: string): ParamSpec<boolean> => ({
    type: "bool",
    default: def,
    doc,
    check: (v) => typeof v === "boolean" ? undefined : `must be true or false, got ${JSON.stringify(v)}`,
  }),
  /** One of a fixed set of strings. */
  enum: <T extends string>(values: readonly T[], def: T, doc: string): ParamSpec<T> => ({
    type: "enum",
    default: def,
    doc: `${doc} (one of ${values.join(", ")})`,
    check: (v) =>
      typeof v === "string" && (values as readonly string[]).includes(v)
        ? undefined
        : `must be one of ${values.join(", ")}, got ${JSON.stringify(v)}`,
  }),
  /** A list of integers. */
  ints: (def: number[], doc: string, o: RangeOpts = {}): ParamSpec<readonly number[]> => ({
    type: "int[]",
    default: def,
    doc,
    check: listCheck(intCheck(o)),
  }),
  /** A list of numbers. */
  floats: (def: number[], doc: string, o: RangeOpts = {}): ParamSpec<readonly number[]> => ({
    type: "float[]",
    default: def,
    doc,
    check: listCheck(floatCheck(o)),
  }),
  /** A list of strings. */
  strings: (def: string[], doc: string): ParamSpec<readonly string[]> => ({
    type: "string[]",
    default: def,
    doc,
    check: listCheck(strCheck),
  }),
  /**
   * A param added to an existing kind whose default keeps the old behaviour, e.g.
   * `attention: param.added(param.enum(["full", "block-causal"], "full", "..."))`: left out of cache keys
   * while at its default, so adding it rebuilds nothing.
   */
  added: <T>(spec: ParamSpec<T>): ParamSpec<T> => ({ ...spec, added: true }),
};

/** The params a stage records (its key and manifest): `params` less the added ones at their defaults. */
export function keyedParams(schema: ParamSchema, params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(params)) {
    const spec = schema[name];
    if (spec?.added && JSON.stringify(value) === JSON.stringify(spec.default)) continue;
    out[name] = value;
  }
  return out;
}

/** Recorded params with the defaults of any left out filled back in: what a stage's code sees. */
export function withDefaults(schema: ParamSchema, params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(schema).sort()) {
    out[name] = name in params ? params[name] : schema[name].default;
  }
  return out;
}

/**
 * Checks `given` against `schema` and returns every parameter, defaults filled in.
 * Throws an Error whose message is one line naming the parameter and what is wrong.
 */
export function resolveParams(
  schema: ParamSchema,
  given: Record<string, unknown>,
  where: string,
): Record<string, unknown> {
  const known = Object.keys(schema);
  for (const name of Object.keys(given)) {
    if (!(name in schema)) {
      throw new Error(
        `${where}: unknown param "${name}" (known: ${known.join(", ") || "none"})`,
      );
    }
  }
  const out: Record<string, unknown> = {};
  for (const name of known.sort()) {
    const spec = schema[name];
    const value = name in given ? given[name] : spec.default;
    const err = spec.check(value);
    if (err) throw new Error(`${where}: param "${name}" (${spec.type}) ${err}`);
    out[name] = value;
  }
  return out;
}
