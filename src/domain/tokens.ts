/**
 * A rough, provider-neutral token count: about four characters per token for English
 * and code, and one token per character outside ASCII (CJK, emoji), so the estimate errs
 * on the high side. The one estimate for prompts, feedback budgets and token limits.
 */
export function estimateTokens(text: string): number {
  let ascii = 0;
  let other = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) < 128) ascii++;
    else other++;
  }
  return Math.ceil(ascii / 4) + other;
}

/** The longest start of `text` whose estimate is at most `maxTokens`. */
export function truncateToTokens(text: string, maxTokens: number): string {
  let ascii = 0;
  let other = 0;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) < 128) ascii++;
    else other++;
    if (Math.ceil(ascii / 4) + other > maxTokens) return text.slice(0, i);
  }
  return text;
}
