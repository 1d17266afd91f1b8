// Small utilities shared by every component, with no dependencies of their own.
export { seededRandom } from './seeded-random.ts';
