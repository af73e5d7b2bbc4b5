/**
 * A value marked sensitive, the way terraform marks a value `sensitive`: whatever prints it by accident
 * (a template string, `String()`, `JSON.stringify`, `util.inspect`) prints the placeholder. The clear
 * value comes out only through `reveal()`, so every place that needs it is one grep away
 * (`grep -rn 'reveal(' src`). See docs/secrets.md.
 */

export const PLACEHOLDER = '(sensitive)';

const inspect = Symbol.for('nodejs.util.inspect.custom');

export class Sensitive {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  toString(): string {
    return PLACEHOLDER;
  }

  toJSON(): string {
    return PLACEHOLDER;
  }

  [inspect](): string {
    return PLACEHOLDER;
  }

  /** The clear value: only for the API request, equality and the scrub list, never for output. */
  reveal(): string {
    return this.#value;
  }
}

/** A value as planned: plain when it is safe to print, `Sensitive` when it is not. */
export type Marked = string | Sensitive;

/** `value` wrapped when `sensitive`, plain otherwise. */
export function mark(value: string, sensitive: boolean): Marked {
  return sensitive ? new Sensitive(value) : value;
}

export function isSensitive(value: Marked): value is Sensitive {
  return value instanceof Sensitive;
}

/** The clear value of a marked value (see `Sensitive.reveal`). */
export function reveal(value: Marked): string {
  return value instanceof Sensitive ? value.reveal() : value;
}

/** What a renderer prints for a marked value: the value itself, or the placeholder. */
export function show(value: Marked): string {
  return value instanceof Sensitive ? PLACEHOLDER : value;
}
