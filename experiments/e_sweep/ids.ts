/**
 * The ids of the E sweep's stages, for the experiments that read them (generation, tables): one spelling,
 * imported, never retyped. `point` is a sweep cell such as "p=8,c=2" (or the template "p=${p},c=${c}").
 *
 * @module
 */

/** The tokenizer of a sweep cell. */
export const tokenizerId = (point: string) => `tokenizer[${point}]`;
/** Its evaluation. */
export const evaluateId = (point: string) => `evaluate[${point}]`;
