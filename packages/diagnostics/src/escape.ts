// Escaping for every language splitc writes, in one place: names come from model and target
// files, which are untrusted, and must stay data in generated shell, Python, HTML and Markdown,
// and in one-line messages. Every emitter, the report and the error renderer use these.

import { SplitcError } from './index.js';

/**
 * Characters never written raw into generated text: C0 and C1 controls, DEL, the Unicode line and
 * paragraph separators, bidirectional and zero-width format characters (they can make a reviewer
 * read code that is not there), the BOM, and lone surrogates (not encodable as UTF-8).
 */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const hex = (c: string, width: number): string => c.charCodeAt(0).toString(16).padStart(width, '0');

/** `\xHH` below U+0100, `\uHHHH` above: the escapes that Python, bash `$'…'` and readers share. */
function escapeChar(c: string): string {
  const code = c.charCodeAt(0);
  if (code === 0x0a) return '\\n';
  if (code === 0x0d) return '\\r';
  if (code === 0x09) return '\\t';
  return code < 0x100 ? `\\x${hex(c, 2)}` : `\\u${hex(c, 4)}`;
}

/**
 * Text that stays on one line and shows every control or format character as an escape
 * (`\n`, `\x1b`, `\u202e`). For messages, terminal tables and comments in generated shell and
 * Python (a `#` comment ends at a line break, which can no longer occur). Backslashes are kept as
 * they are: the result is for reading, not for parsing back.
 */
export function oneLine(s: string): string {
  return s.replace(UNSAFE, escapeChar);
}

/**
 * The body of a Python string literal (without quotes) that evaluates to exactly `s`: usable
 * between `"…"` and inside a `"""…"""` docstring. Valid on Python 3.7+ (UTF-8 source).
 */
export function pyEscape(s: string): string {
  return s.replace(/[\\"]/g, (c) => `\\${c}`).replace(UNSAFE, escapeChar);
}

/** A Python string literal that evaluates to exactly `s`. */
export function pyString(s: string): string {
  return `"${pyEscape(s)}"`;
}

/**
 * One bash word that expands to exactly `s`: `'…'` when `s` has no control or format character,
 * otherwise ANSI-C `$'…'` with escapes (no raw line break ever appears, so the word is safe in a
 * comment too). A NUL cannot be held by a bash string at all: refused (SPLITC5004).
 */
export function shellQuote(s: string, what = 'value'): string {
  if (s.includes('\u0000')) throw new SplitcError('UnsupportedEmit', `a NUL character cannot be passed to a shell script (${oneLine(what)})`);
  UNSAFE.lastIndex = 0;
  if (!UNSAFE.test(s)) return `'${s.replace(/'/g, `'\\''`)}'`;
  UNSAFE.lastIndex = 0;
  return `$'${s.replace(/[\\']/g, (c) => `\\${c}`).replace(UNSAFE, (c) => {
    const code = c.charCodeAt(0);
    if (code < 0x80) return escapeChar(c);
    // Beyond ASCII, the UTF-8 bytes as \xHH: bash's \u escapes depend on the locale the script
    // runs in, bytes do not. A lone surrogate becomes U+FFFD, as any UTF-8 encoder writes it.
    const bytes = new TextEncoder().encode(code >= 0xd800 && code <= 0xdfff ? '\ufffd' : c);
    return [...bytes].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');
  })}'`;
}

/** Text for HTML element content and double- or single-quoted attributes, on one line. */
export function htmlText(s: string): string {
  return oneLine(s).replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]!);
}
const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** A Markdown code span showing `s` literally on one line (the fence outgrows any backtick run). */
export function mdCode(s: string): string {
  const t = oneLine(s);
  const longest = Math.max(0, ...(t.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = t.startsWith('`') || t.endsWith('`') || t === '' ? ' ' : '';
  return `${fence}${pad}${t}${pad}${fence}`;
}

/**
 * A protocol-buffers text-format string literal (`"…"`, as in Triton's config.pbtxt) that parses to
 * exactly the UTF-8 bytes of `s`. The result is printable ASCII: `"` and `\` are escaped, every
 * other byte outside 0x20–0x7e (controls, line breaks, and each UTF-8 byte of a non-ASCII
 * character) is a three-digit octal escape, which the C++ and Python parsers read the same way. A
 * lone surrogate (not encodable as UTF-8) becomes U+FFFD, as any UTF-8 encoder writes it.
 */
export function pbtxtString(s: string): string {
  let out = '"';
  for (const b of new TextEncoder().encode(s)) {
    if (b === 0x22 || b === 0x5c) out += `\\${String.fromCharCode(b)}`;
    else if (b >= 0x20 && b <= 0x7e) out += String.fromCharCode(b);
    else out += `\\${b.toString(8).padStart(3, '0')}`;
  }
  return `${out}"`;
}
