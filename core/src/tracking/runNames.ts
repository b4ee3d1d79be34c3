import { randomInt } from 'node:crypto';

const ADJECTIVES = [
  'able', 'amber', 'bold', 'brave', 'bright', 'calm', 'clever', 'crisp', 'daring', 'eager',
  'fair', 'fast', 'gentle', 'glad', 'grand', 'honest', 'keen', 'kind', 'lively', 'lucid',
  'merry', 'nimble', 'noble', 'polite', 'proud', 'quick', 'quiet', 'rapid', 'sharp', 'shy',
  'silent', 'smart', 'steady', 'sunny', 'swift', 'tidy', 'upbeat', 'vivid', 'warm', 'wise',
];
const NOUNS = [
  'anchor', 'badger', 'beacon', 'comet', 'crane', 'delta', 'dove', 'ember', 'falcon', 'fern',
  'finch', 'fjord', 'gecko', 'harbor', 'heron', 'island', 'lark', 'lynx', 'maple', 'meadow',
  'moth', 'nebula', 'orbit', 'otter', 'owl', 'pine', 'quartz', 'raven', 'reef', 'river',
  'robin', 'sparrow', 'star', 'stone', 'swan', 'tide', 'trout', 'valley', 'willow', 'wren',
];

/** A readable run name such as `swift-heron-482`, as MLflow gives runs created without one. */
export function generateRunName(): string {
  const pick = (words: readonly string[]): string => words[randomInt(words.length)] as string;
  return `${pick(ADJECTIVES)}-${pick(NOUNS)}-${randomInt(1000)}`;
}
