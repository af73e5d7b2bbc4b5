/**
 * Stands in for `Intl.ListFormat` in the shipped bundle (scripts/build.mjs injects it). Building a
 * ListFormat loads ICU's list patterns, about 10 ms; got's type checker (@sindresorhus/is) builds two
 * when it loads, to word assertion messages a run almost never prints. This one builds the real
 * formatter when it is first used; what it formats is the same.
 */
const { ListFormat } = Intl;

export class LazyListFormat {
  readonly #args: ConstructorParameters<typeof Intl.ListFormat>;
  #real: Intl.ListFormat | undefined;

  constructor(...args: ConstructorParameters<typeof Intl.ListFormat>) {
    this.#args = args;
  }

  #formatter(): Intl.ListFormat {
    this.#real ??= new ListFormat(...this.#args);
    return this.#real;
  }

  format(list: Iterable<string>): string {
    return this.#formatter().format(list);
  }

  formatToParts(list: Iterable<string>): ReturnType<Intl.ListFormat['formatToParts']> {
    return this.#formatter().formatToParts(list);
  }

  resolvedOptions(): Intl.ResolvedListFormatOptions {
    return this.#formatter().resolvedOptions();
  }

  static supportedLocalesOf(...args: Parameters<typeof Intl.ListFormat.supportedLocalesOf>): string[] {
    return ListFormat.supportedLocalesOf(...args);
  }
}
