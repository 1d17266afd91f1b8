// Test support for the fleet's stores: a throwaway PostgreSQL server and the contract suite every
// Store implementation runs.

export { type Driver, describeEachStore, type StoreFixture } from './each-store.ts';
export { postgresBinDir, startTestPostgres, type TestPostgres } from './postgres-server.ts';
export { type StoreUnderTest, storeCases } from './store-cases.ts';
export { openAt, type StoreLocation } from './store-location.ts';
