/**
 * Splits a command line as a POSIX shell would for the simple commands programs print for users:
 * whitespace, '…' and "…" quotes, backslash escapes and backslash-newline continuations. No
 * expansions: a `$` or a glob is taken literally.
 */
export function shellWords(text: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote === "'") {
      if (c === "'") quote = null;
      else cur += c;
      continue;
    }
    if (c === '\\') {
      const next = text[++i];
      if (next === undefined || next === '\n') continue; // continuation
      if (quote === '"' && !'"\\$`'.includes(next)) cur += c;
      cur += next;
      inWord = true;
      continue;
    }
    if (quote === '"') {
      if (c === '"') quote = null;
      else cur += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} in: ${text}`);
  if (inWord) words.push(cur);
  return words;
}
