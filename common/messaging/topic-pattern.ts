// RabbitMQ's topic exchange matching, for the in-process bus: words are separated by ".", "*" stands
// for exactly one word and "#" for zero or more words; anything else must equal the word.

export function topicMatches(pattern: string, routingKey: string): boolean {
  const patternWords = pattern.split('.');
  const keyWords = routingKey.split('.');
  // Memoised on (pattern word, key word): several "#" would otherwise backtrack exponentially.
  const memo = new Map<number, boolean>();
  const matchFrom = (p: number, k: number): boolean => {
    if (p === patternWords.length) return k === keyWords.length;
    const slot = p * (keyWords.length + 1) + k;
    const known = memo.get(slot);
    if (known !== undefined) return known;
    const word = patternWords[p];
    const result =
      word === '#' ? matchFrom(p + 1, k) || (k < keyWords.length && matchFrom(p, k + 1)) : k < keyWords.length && (word === '*' || word === keyWords[k]) && matchFrom(p + 1, k + 1);
    memo.set(slot, result);
    return result;
  };
  return matchFrom(0, 0);
}
