/**
 * The lexer shared by the `filter`, `order` and `fields` parameters: a hand-written character
 * scanner that turns parameter text into tokens, each with its 0-based start position, or fails
 * with a `filterSyntax` error naming what it found and where. It never throws anything else.
 *
 * Lexical rules (the parser decides what the tokens mean):
 *
 * - Whitespace is space, tab, LF and CR, outside quotes only. Anything else that is not a token —
 *   `;`, `--`, `/*`, `#`, `&&`, `||`, a backslash, a non-breaking space, an emoji — is an error:
 *   SQL-looking punctuation never silently disappears.
 * - Bare words: a Unicode letter or `_`, then letters, combining marks, decimal digits, `_`, `$`
 *   (SQL allows non-ASCII letters in identifiers, so `prénom` and `名前` work unquoted). Words are
 *   kept as written; whether one is a keyword is recorded in `keyword`, compared ASCII-only and
 *   case-insensitively so that look-alikes such as `ın` (dotless i) are never the keyword `IN`.
 * - Quoted identifiers: `"Any Name"` (`""` inside is one `"`) and `` `Any Name` `` (``` `` ``` is
 *   one backquote). They keep case and may hold any character except the ones rejected below.
 *   They are never keywords, and may not be empty.
 * - Strings: `'text'`, `''` inside is one `'`. There are no backslash escapes: `\` is an ordinary
 *   character, so `'C:\'` is the three characters `C:\` (as in standard SQL).
 * - Numbers: `12`, `-12`, `12.5`, `-0.5`, `1e3`, `2.5E-3`. A `-` directly before a digit always
 *   starts a number (the grammar has no arithmetic, so there is nothing else it could mean). There
 *   must be a digit on both sides of a decimal point: `.5` and `5.` are errors with a hint, as is
 *   `+5`. A number directly followed by a letter, digit-like character or `.` (`12abc`, `1.2.3`)
 *   is an error rather than two tokens. The text is kept verbatim (never converted to a JS number).
 * - Operators `=`, `!=`, `<>`, `<`, `<=`, `>`, `>=`; punctuation `(`, `)`, `,`, `.`, `*`.
 * - Control characters (Unicode category Cc: U+0000–U+001F, U+007F–U+009F) are rejected
 *   everywhere, even inside quotes, except tab, LF and CR; so are unpaired UTF-16 surrogates inside
 *   quotes. Neither has a legitimate use in a filter, and NUL in particular truncates or breaks
 *   values in drivers and databases.
 *
 * Positions are UTF-16 code unit offsets into the parameter text (JavaScript string indices).
 *
 * May import: errors.
 */
import { type ApiError, requestErrors } from '../../errors.js';

/** Words the filter grammar gives a meaning to (reserved in `filter`). */
export const FILTER_KEYWORDS = ['AND', 'OR', 'NOT', 'LIKE', 'IN', 'IS', 'NULL', 'BETWEEN', 'CONTAINS', 'STARTS', 'ENDS', 'WITH', 'TRUE', 'FALSE'] as const;
/** Words the order grammar gives a meaning to (reserved in `order`). */
export const ORDER_KEYWORDS = ['ASC', 'DESC', 'NULLS', 'FIRST', 'LAST'] as const;

/** Every word the three grammars give a meaning to. Which of them are reserved depends on the parameter. */
export type Keyword = (typeof FILTER_KEYWORDS)[number] | (typeof ORDER_KEYWORDS)[number];

const KEYWORDS: ReadonlySet<string> = new Set<Keyword>([...FILTER_KEYWORDS, ...ORDER_KEYWORDS]);

export type ComparisonToken = '=' | '!=' | '<>' | '<' | '<=' | '>' | '>=';

export type TokenKind =
  /** A bare identifier or keyword; `value` is the text as written. */
  | 'word'
  /** `"…"` or `` `…` ``; `value` is the name with escapes undone. */
  | 'quotedIdentifier'
  /** `'…'`; `value` is the text with `''` undone. */
  | 'string'
  /** `value` is the source text, sign included. */
  | 'number'
  /** `value` is the operator as written (`!=` is not normalised here). */
  | 'operator'
  | '('
  | ')'
  | ','
  | '.'
  | '*'
  /** After the last token; `position` is the text length. */
  | 'end';

export interface Token {
  readonly kind: TokenKind;
  readonly value: string;
  /** 0-based offset of the token's first character. */
  readonly position: number;
  /** Offset just past the token's last character (so `text.slice(position, end)` is its source). */
  readonly end: number;
  /** Set on `word` tokens whose text is a keyword, compared case-insensitively. */
  readonly keyword?: Keyword;
}

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;

const IDENTIFIER_START = /^[\p{L}_]$/u;
const IDENTIFIER_PART = /^[\p{L}\p{M}\p{Nd}_$]$/u;

/**
 * Scans one parameter's text on demand: the parser pulls tokens with `next()`, so the first error
 * reported is the leftmost one, whether the lexer or the parser finds it.
 */
export class FilterLexer {
  private offset = 0;

  /**
   * @param text the parameter text.
   * @param parameter the query parameter name, used in error messages ('filter', 'order', 'fields').
   */
  constructor(
    private readonly text: string,
    private readonly parameter: string,
  ) {}

  /** The next token, or an `end` token (repeatedly) once the text is used up. */
  next(): Token {
    const text = this.text;
    this.skipWhitespace();
    const start = this.offset;
    if (start >= text.length) return { kind: 'end', value: '', position: text.length, end: text.length };
    const c = text.charCodeAt(start);
    const following = start + 1 < text.length ? text.charCodeAt(start + 1) : -1;
    switch (c) {
      case 0x28: // (
        return this.punctuation('(', start);
      case 0x29: // )
        return this.punctuation(')', start);
      case 0x2c: // ,
        return this.punctuation(',', start);
      case 0x2a: // *
        return this.punctuation('*', start);
      case 0x2e: // .
        if (isDigit(following)) throw this.error('a number needs a digit before the decimal point (write 0.5, not .5)', start);
        return this.punctuation('.', start);
      case 0x3d: // =
        if (following === 0x3d) throw this.error("'==' is not an operator; use '='", start);
        return this.operator('=', start);
      case 0x21: // !
        if (following === 0x3d) return this.operator('!=', start);
        throw this.error("unexpected '!' (use NOT, or '!=' for not equal)", start);
      case 0x3c: // <
        if (following === 0x3d) return this.operator('<=', start);
        if (following === 0x3e) return this.operator('<>', start);
        return this.operator('<', start);
      case 0x3e: // >
        if (following === 0x3d) return this.operator('>=', start);
        return this.operator('>', start);
      case 0x27: // '
        return this.string(start);
      case 0x22: // "
      case 0x60: // `
        return this.quotedIdentifier(start, c);
      case 0x2d: // -
        if (isDigit(following)) return this.number(start);
        if (following === 0x2d) throw this.error("unexpected '--' (comments are not allowed)", start);
        if (following === 0x2e) throw this.error('a number needs a digit before the decimal point (write -0.5, not -.5)', start);
        throw this.error("unexpected '-' (a minus sign must be directly followed by a digit)", start);
      case 0x2b: // +
        throw this.error("unexpected '+' (write positive numbers without a sign)", start);
      case 0x3b: // ;
        throw this.error("unexpected ';' (only one filter expression is allowed)", start);
      case 0x2f: // /
        if (following === 0x2a) throw this.error("unexpected '/*' (comments are not allowed)", start);
        throw this.error("unexpected '/'", start);
      case 0x23: // #
        throw this.error("unexpected '#' (comments are not allowed)", start);
      case 0x26: // &
        throw this.error(following === 0x26 ? "unexpected '&&' (use AND)" : "unexpected '&'", start);
      case 0x7c: // |
        throw this.error(following === 0x7c ? "unexpected '||' (use OR)" : "unexpected '|'", start);
      case 0x5c: // \
        throw this.error("unexpected '\\' (backslash is only allowed inside quotes)", start);
    }
    if (isDigit(c)) return this.number(start);
    const codePoint = text.codePointAt(start) ?? c;
    if (isIdentifierStart(codePoint)) return this.word(start);
    throw this.error(`unexpected ${describeCharacter(codePoint)}`, start);
  }

  private skipWhitespace(): void {
    const text = this.text;
    let i = this.offset;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c !== SPACE && c !== TAB && c !== LF && c !== CR) break;
      i++;
    }
    this.offset = i;
  }

  private punctuation(kind: '(' | ')' | ',' | '.' | '*', start: number): Token {
    this.offset = start + 1;
    return { kind, value: kind, position: start, end: start + 1 };
  }

  private operator(op: ComparisonToken, start: number): Token {
    this.offset = start + op.length;
    return { kind: 'operator', value: op, position: start, end: this.offset };
  }

  private word(start: number): Token {
    const text = this.text;
    let i = start;
    while (i < text.length) {
      const codePoint = text.codePointAt(i) ?? 0;
      if (!isIdentifierPart(codePoint)) break;
      i += codePoint > 0xffff ? 2 : 1;
    }
    this.offset = i;
    const value = text.slice(start, i);
    const keyword = keywordOf(value);
    return keyword === undefined
      ? { kind: 'word', value, position: start, end: i }
      : { kind: 'word', value, position: start, end: i, keyword };
  }

  private number(start: number): Token {
    const text = this.text;
    let i = start;
    if (text.charCodeAt(i) === 0x2d) i++;
    i = skipDigits(text, i);
    if (text.charCodeAt(i) === 0x2e) {
      const afterPoint = skipDigits(text, i + 1);
      if (afterPoint === i + 1) throw this.error('a number needs a digit after the decimal point (write 5.0 or 5, not 5.)', i);
      i = afterPoint;
    }
    const e = text.charCodeAt(i);
    if (e === 0x65 || e === 0x45) {
      let j = i + 1;
      const sign = text.charCodeAt(j);
      if (sign === 0x2b || sign === 0x2d) j++;
      const afterExponent = skipDigits(text, j);
      if (afterExponent === j) throw this.error(`the exponent of number '${text.slice(start, j)}' has no digits`, i);
      i = afterExponent;
    }
    // `12abc`, `1.2.3`, `12$`: one malformed token, not a number followed by something else.
    if (i < text.length) {
      const codePoint = text.codePointAt(i) ?? 0;
      if (codePoint === 0x2e || isIdentifierPart(codePoint)) {
        throw this.error(`unexpected ${describeCharacter(codePoint)} directly after number ${text.slice(start, i)}`, i);
      }
    }
    this.offset = i;
    return { kind: 'number', value: text.slice(start, i), position: start, end: i };
  }

  private string(start: number): Token {
    const value = this.quoted(start, 0x27, () =>
      this.error("unterminated string (a quote inside a string is written twice: 'O''Brien')", start),
    );
    return { kind: 'string', value, position: start, end: this.offset };
  }

  private quotedIdentifier(start: number, quote: number): Token {
    const mark = String.fromCharCode(quote);
    const value = this.quoted(start, quote, () =>
      this.error(`unterminated quoted name (a ${mark} inside a quoted name is written twice: ${mark}${mark})`, start),
    );
    if (value === '') throw this.error(`empty quoted name ${mark}${mark}`, start);
    return { kind: 'quotedIdentifier', value, position: start, end: this.offset };
  }

  /**
   * The content of a quoted token starting at `start` (on the opening quote), with doubled quotes
   * undone. Leaves `offset` just past the closing quote. Copies the text in slices between escapes
   * so a long string costs one pass.
   */
  private quoted(start: number, quote: number, unterminated: () => ApiError): string {
    const text = this.text;
    let value = '';
    let chunkStart = start + 1;
    let i = start + 1;
    for (;;) {
      if (i >= text.length) throw unterminated();
      const c = text.charCodeAt(i);
      if (c === quote) {
        value += text.slice(chunkStart, i);
        if (text.charCodeAt(i + 1) === quote) {
          value += String.fromCharCode(quote);
          i += 2;
          chunkStart = i;
          continue;
        }
        this.offset = i + 1;
        return value;
      }
      if (isControl(c) && c !== TAB && c !== LF && c !== CR) {
        throw this.error(`control character ${codePointLabel(c)} is not allowed, even inside quotes`, i);
      }
      if (c >= 0xd800 && c <= 0xdfff) {
        // A high surrogate must be followed by a low one; a low one must never come first.
        const next = text.charCodeAt(i + 1);
        if (c > 0xdbff || !(next >= 0xdc00 && next <= 0xdfff)) {
          throw this.error(`invalid Unicode: unpaired surrogate ${codePointLabel(c)}`, i);
        }
        i += 2;
        continue;
      }
      i++;
    }
  }

  private error(message: string, position: number): ApiError {
    return requestErrors.filterSyntax(this.parameter, message, position);
  }
}

/**
 * All tokens of `text`, ending with the `end` token. Throws `filterSyntax` (for `parameter`) on the
 * first thing that is not a token. The parsers pull tokens lazily instead; this is for tests and
 * tools.
 */
export function tokenize(text: string, parameter: string): Token[] {
  const lexer = new FilterLexer(text, parameter);
  const tokens: Token[] = [];
  for (;;) {
    const token = lexer.next();
    tokens.push(token);
    if (token.kind === 'end') return tokens;
  }
}

/**
 * The keyword a bare word spells, if any. ASCII-only case folding on purpose: `toUpperCase()` maps
 * `ı` (dotless i) to `I` and `ſ` (long s) to `S`, which would turn a column named `ın` into `IN`.
 */
export function keywordOf(word: string): Keyword | undefined {
  if (word.length > 8) return undefined;
  let upper = '';
  for (let i = 0; i < word.length; i++) {
    const c = word.charCodeAt(i);
    if (c >= 0x61 && c <= 0x7a) upper += String.fromCharCode(c - 0x20);
    else if (c >= 0x41 && c <= 0x5a) upper += word[i];
    else return undefined;
  }
  return KEYWORDS.has(upper) ? (upper as Keyword) : undefined;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function skipDigits(text: string, from: number): number {
  let i = from;
  while (i < text.length && isDigit(text.charCodeAt(i))) i++;
  return i;
}

function isAsciiLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function isIdentifierStart(codePoint: number): boolean {
  if (codePoint < 0x80) return isAsciiLetter(codePoint) || codePoint === 0x5f;
  return IDENTIFIER_START.test(String.fromCodePoint(codePoint));
}

function isIdentifierPart(codePoint: number): boolean {
  if (codePoint < 0x80) return isAsciiLetter(codePoint) || isDigit(codePoint) || codePoint === 0x5f || codePoint === 0x24;
  return IDENTIFIER_PART.test(String.fromCodePoint(codePoint));
}

/** Unicode category Cc. */
function isControl(c: number): boolean {
  return c < 0x20 || (c >= 0x7f && c <= 0x9f);
}

function codePointLabel(codePoint: number): string {
  return `U+${codePoint.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** `'x'` for printable ASCII, `'é' (U+00E9)` for other visible characters, the code alone for invisible ones. */
function describeCharacter(codePoint: number): string {
  if (codePoint >= 0x21 && codePoint <= 0x7e) return `'${String.fromCharCode(codePoint)}'`;
  if (isControl(codePoint)) return `control character ${codePointLabel(codePoint)}`;
  // Surrogate halves, whitespace and format characters would be invisible or garbled in a message.
  if ((codePoint >= 0xd800 && codePoint <= 0xdfff) || /^[\p{Z}\p{Cf}]$/u.test(String.fromCodePoint(codePoint))) {
    return `character ${codePointLabel(codePoint)}`;
  }
  return `'${String.fromCodePoint(codePoint)}' (${codePointLabel(codePoint)})`;
}
