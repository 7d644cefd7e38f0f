// Run names for runs created without one: "adjective-animal-NNN", the shape MLflow gives them, so
// the name column and the mlflow.runName tag are never empty.
import { randomInt } from 'node:crypto';

const ADJECTIVES = [
  'amber', 'bold', 'brave', 'bright', 'calm', 'clever', 'crisp', 'daring', 'eager', 'fancy',
  'gentle', 'glad', 'honest', 'jolly', 'keen', 'lively', 'lucky', 'merry', 'nimble', 'polite',
  'proud', 'quick', 'quiet', 'rare', 'shy', 'silent', 'smart', 'steady', 'sunny', 'swift',
  'tidy', 'vivid', 'warm', 'wise', 'witty', 'zesty',
];
const ANIMALS = [
  'ant', 'bat', 'bear', 'bee', 'carp', 'cat', 'crab', 'crow', 'deer', 'dove', 'duck', 'eel',
  'elk', 'finch', 'fox', 'frog', 'gnu', 'goat', 'hare', 'hawk', 'ibis', 'kite', 'lark', 'lynx',
  'mole', 'moth', 'newt', 'owl', 'panda', 'seal', 'shrew', 'slug', 'snail', 'swan', 'toad', 'wolf',
];

function pick(list: readonly string[]): string {
  return list[randomInt(list.length)] as string;
}

export function randomRunName(): string {
  return `${pick(ADJECTIVES)}-${pick(ANIMALS)}-${randomInt(1000)}`;
}
