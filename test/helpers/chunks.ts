/** Cuts `text` into chunks at the given positions (taken modulo its length, in order). */
export function cutAt(text: string, cuts: number[]): string[] {
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const chunks: string[] = [];
  let from = 0;
  for (const p of [...points, text.length]) {
    chunks.push(text.slice(from, p));
    from = p;
  }
  return chunks;
}
