/**
 * Environment variable names for exported secrets, derived from descriptions so a reviewer can tell
 * which variable belongs to which subscription: "Slack: new projects" -> `SLACK_NEW_PROJECTS_SECRET`.
 * Names use only `A-Z`, `0-9` and `_`, never start with a digit, and are unique within one export
 * (the environment is shared by every workspace of a run).
 */

/** Letters that Unicode decomposition does not reduce to ASCII but that have a customary spelling. */
const SPECIAL: Record<string, string> = {
  ß: 'ss',
  ẞ: 'SS',
  æ: 'ae',
  Æ: 'AE',
  œ: 'oe',
  Œ: 'OE',
  ø: 'o',
  Ø: 'O',
  ł: 'l',
  Ł: 'L',
  đ: 'd',
  Đ: 'D',
  ð: 'd',
  Ð: 'D',
  þ: 'th',
  Þ: 'TH',
  ı: 'i',
};

/** Long descriptions would make unwieldy names; the suffix keeps truncated ones unique. */
const MAX_SLUG = 48;

/**
 * The description as an uppercase slug: accents removed ("Café" -> "CAFE"), other non-ASCII dropped,
 * every run of other characters one `_`. Empty when nothing ASCII is left.
 */
export function slugify(description: string): string {
  const ascii = [...description.normalize('NFKD')]
    .map((ch) => SPECIAL[ch] ?? ch)
    .join('')
    .replace(/\p{M}/gu, '');
  const slug = ascii
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return slug.length > MAX_SLUG ? slug.slice(0, MAX_SLUG).replace(/_+$/, '') : slug;
}

/** Hands out unique names; create one per export. */
export class SecretNames {
  private readonly used = new Set<string>();

  /**
   * `<SLUG>_SECRET` (or `<SLUG>_URL`), `WEBHOOK_SECRET` when the description has nothing ASCII, `_2`,
   * `_3`... on collision.
   */
  next(description: string, suffix: 'SECRET' | 'URL' = 'SECRET'): string {
    let slug = slugify(description);
    if (slug === '') slug = 'WEBHOOK';
    else if (/^[0-9]/.test(slug)) slug = `WEBHOOK_${slug}`;
    const base = `${slug}_${suffix}`;
    let name = base;
    for (let n = 2; this.used.has(name); n++) name = `${base}_${n}`;
    this.used.add(name);
    return name;
  }
}
